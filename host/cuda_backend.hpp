// The interface between the host engine and the CUDA kernels (kernels/enumerate.cu). Plain C++:
// no CUDA header, so host code compiles without nvcc. Internal to host/ and kernels/.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ctm/enumerate.hpp"

namespace ctm::detail {

// Leaves of the walked items (blank 0, right-first, before symmetrisation), as the device left them.
struct DeviceLeaves {
  std::vector<std::pair<uint64_t, count_t>> packed;             // pack_output keys
  std::vector<std::pair<std::string, count_t>> long_outputs;    // outputs too long to pack
  count_t halting = 0, proved = 0, cutoff_runs = 0;
  std::vector<count_t> halt_time;
  uint64_t nodes = 0, steps = 0;
};

// Number of usable CUDA devices; 0 without a driver or device (never throws; probed once).
int cuda_device_count();

// Walks every item's subtree on `device`. `progress(done)` is called between kernel launches;
// returning false cancels (throws ctm::Cancelled). Throws ctm::Error on any CUDA failure.
DeviceLeaves walk_on_device(const Space& space, uint32_t cutoff, const std::vector<const WorkItem*>& items,
                            int device, const std::function<bool(uint64_t done)>& progress);

}  // namespace ctm::detail
