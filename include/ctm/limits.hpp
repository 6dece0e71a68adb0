// Limits of the engine's inputs that users meet, in one place: the enumerators, the samplers and the
// table reader check against these (kernels/core/limits.hpp holds the internal ones).
#pragma once
#include <cstdint>

namespace ctm {

// Largest cutoff: a 1D walk keeps a tape of about 2 cutoff cells per tree level; a 2D walk a torus of
// (2^shift)^2 cells per level with 2^shift >= cutoff + 2 (tm2d.hpp), 64 MiB a level at 4096.
constexpr uint32_t kMaxCutoff1d = 1000000;
constexpr uint32_t kMaxCutoff2d = 4096;
constexpr uint32_t max_cutoff(int dims) { return dims == 2 ? kMaxCutoff2d : kMaxCutoff1d; }

}  // namespace ctm
