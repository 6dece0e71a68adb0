// Exact enumeration of a 1D machine space (spec sections 1-2): the tree of partial machines, with
// mirror, state-relabelling and blank symmetries, sound non-halting filters and exact weights.
// Work is split into frontier items (nodes at a fixed depth of the tree) so any slice of it (a
// shard) can run anywhere; progress and cancellation are callbacks.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ctm/table.hpp"

namespace ctm {

struct Progress {
  uint64_t items_done = 0, items_total = 0;
  uint64_t tree_nodes = 0;     // partial machines expanded so far
  count_t machines_covered = 0;
  double elapsed_seconds = 0;
};

struct EnumerateOptions {
  Space space;
  uint32_t cutoff = 0;           // 0 = the spec's standard cutoff (error if there is none)
  std::string backend = "auto";  // auto | cpu | cuda
  // How the CUDA backend runs the tree (docs/gpu.md): "walk" (each thread walks work items' subtrees
  // depth-first) or "wavefront" (level by level, every node re-run from the blank tape on persistent
  // refilling lanes; 1D spaces). The CPU backend ignores it; the table is the same either way.
  std::string gpu_design = "walk";
  int threads = 0;               // 0 = all hardware threads
  uint32_t shard_index = 0, shard_count = 1;  // run items i with i % shard_count == shard_index
  int frontier_depth = 0;        // 0 = chosen from the space (fixed per space: shard-stable)
  int device = 0;                // CUDA device index
  int device_frontier_depth = 0; // CUDA: items are split further to this depth (0 = automatic)
  int ngram_after = -1;          // steps before the n-gram proof is tried (-1 = default, 0 = off; CPU walk)
  int bouncer_after = -1;        // steps before the bouncer proof is tried (-1 = default, 0 = off; CPU walk)
  // Called about every `progress_interval` seconds from one thread; return false to cancel
  // (enumerate() then throws ctm::Cancelled).
  std::function<bool(const Progress&)> progress;
  double progress_interval = 0.5;
  // Called with a one-line message when the run goes on differently than asked (auto: the CUDA run
  // failed, the CPU takes over); the library prints nothing itself.
  std::function<void(const std::string&)> warn;
};

class Cancelled : public Error {
 public:
  using Error::Error;
};

// The exact table of the space (or of the selected shard). Deterministic: the same table for any
// thread count, backend and shard split (after merging).
Table enumerate(const EnumerateOptions& options);

// Throws ctm::Error (one line naming the bad value) unless `design` is "walk" or "wavefront".
void check_gpu_design(const std::string& design);

// Whether the CUDA backend was compiled in and a device is present (probed once, never throws).
bool cuda_available();

}  // namespace ctm
