// Internals shared by the BDM sources (host/bdm/*.cpp): block-key helpers and the one flat hash
// map (engine/flat_map.hpp) used for block counts and K lookups. Not part of the public API (include/ctm/bdm.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/keys.hpp"  // block keys: digit strings, tagged with their shape
#include "engine/flat_map.hpp"

namespace ctm::bdm_detail {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kDirectBits = 16;  // shapes with at most 2^16 packed keys are indexed directly
using detail::FlatMap;

// k!/(k-u)!: concrete strings one normalised key with u distinct symbols stands for.
inline double arrangements(int k, int u) {
  double m = 1;
  for (int i = 0; i < u; ++i) m *= (k - i);
  return m;
}

inline int distinct_symbols(uint64_t packed, int cells, int bits) {
  uint32_t seen = 0;
  for (int i = 0; i < cells; ++i) seen |= 1u << digit_at(packed, i, cells, bits);
  return __builtin_popcount(seen);
}

}  // namespace ctm::bdm_detail
