// The interface between the host engine and the device walk (kernels/enumerate.cu, or the host
// emulation the tests run). Plain C++: no CUDA header, so host code compiles without nvcc.
// Internal to host/, kernels/ and tests/.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ctm/enumerate.hpp"
#include "core/sample_walk.hpp"
#include "core/work_item.hpp"

namespace ctm::detail {

// Leaves of the walked items (blank 0, mirrored-root subtrees, before symmetrisation), as the device left them.
struct DeviceLeaves {
  std::vector<std::pair<uint64_t, count_t>> packed;              // Geo::pack keys; a key may repeat: sum them
  std::unordered_map<std::string, count_t> long_outputs;         // outputs too long to pack
  count_t halting = 0, proved = 0, cutoff_runs = 0;
  std::vector<count_t> halt_time;
  uint64_t nodes = 0, steps = 0;
  int attempts = 0;           // 1 + the number of runs voided by an overflow
  uint64_t arena_drains = 0;  // batches of the last attempt that left long outputs in the arena
};

// Figures of the device walk so far, for the progress line.
struct DeviceProgress {
  uint64_t items_done = 0, nodes = 0, steps = 0;
  count_t covered = 0;  // halting + proved + cut-off weight of the walked items (right-first)
};

struct DeviceWalkOptions {
  int device = 0;
  uint32_t initial_slots = 1u << 22;          // hash slots of the first attempt (a power of 2)
  uint64_t initial_arena_bytes = 64ull << 20; // long-output arena of the first attempt (per batch)
  int attempts = 4;                           // a void attempt grows what overflowed 4x
  uint32_t max_batch_items = 1u << 18;        // items per launch, at most
  uint32_t min_batch_items = 0;               // 0 = one item per device thread
  double batch_seconds = 0.5;                 // batches are sized to about this much work
};

using DeviceProgressFn = std::function<bool(const DeviceProgress&)>;
template <class Geo>
using DeviceWalkerOf = std::function<DeviceLeaves(const Space&, uint32_t cutoff, const std::vector<const WorkItemOf<Geo>*>&,
                                                  const DeviceProgressFn&)>;
using DeviceWalker = DeviceWalkerOf<Tape1d>;
using DeviceWalker2d = DeviceWalkerOf<Grid2d>;

// The device pipeline of enumerate(), for 1D and 2D spaces (host/engine/enumerate.cpp): frontier,
// shard, split on the CPU to device_frontier_depth, `walk` over the split items, then the CPU's
// symmetrisation. Always compiled; the tests pass the host emulation of the device as `walk`.
Table enumerate_device(const EnumerateOptions& opt, uint32_t cutoff, const DeviceWalker& walk, const char* backend);
Table enumerate_device(const EnumerateOptions& opt, uint32_t cutoff, const DeviceWalker2d& walk, const char* backend);

// Number of usable CUDA devices; 0 without a driver or device (never throws; probed once).
int cuda_device_count();
// Why the probe found no device (CUDA error name and text), or "" when it found one.
std::string cuda_probe_error();

// Walks every item's subtree on opt.device (kernels/enumerate.cu), 1D or 2D items. `progress` is
// called between kernel launches (about every opt.batch_seconds); returning false cancels (throws
// ctm::Cancelled). Throws ctm::Error on any CUDA failure.
DeviceLeaves walk_on_device(const Space& space, uint32_t cutoff, const std::vector<const WorkItem*>& items,
                            const DeviceWalkOptions& opt, const DeviceProgressFn& progress);
DeviceLeaves walk_on_device(const Space& space, uint32_t cutoff, const std::vector<const WorkItem2d*>& items,
                            const DeviceWalkOptions& opt, const DeviceProgressFn& progress);

// Samples machines [start, start + machines) of cfg on opt.device (kernels/sample.cu), the same
// histogram, batches and retries as the walk; DeviceLeaves::nodes counts machines. Throws as above.
DeviceLeaves sample_on_device(const SampleConfig& cfg, uint64_t start, uint64_t machines, const DeviceWalkOptions& opt,
                              const DeviceProgressFn& progress);

}  // namespace ctm::detail
