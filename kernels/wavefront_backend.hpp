// The interface between the wavefront's level loop (host/engine/wavefront.cpp, written once) and
// where its launches run: an executor holds the levels' nodes and runs launches of one level. The
// CPU emulation is one executor; the device executor (wavefront_driver.hpp) runs the kernels of
// kernels/wavefront.cu, or their bodies on host threads in the tests. Plain C++: no CUDA header.
// Internal to host/, kernels/ and tests/.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/wavefront.hpp"
#include "cuda_backend.hpp"

namespace ctm::detail {

// How a launch's nodes count (enumerate()'s --shard): `leaves` is false above the shard depth on
// shards other than 0 (their leaves are shard 0's); at the shard depth (`shard_level`) the nodes
// that read an undefined entry are numbered in level order and node r is this shard's, leaves and
// subtree, when r % shard_count == shard_index. Below the shard depth every node counts.
struct WaveLevelRule {
  bool leaves = true;
  bool shard_level = false;
  uint32_t shard_index = 0, shard_count = 1;
};

class WaveExecutor {
 public:
  virtual ~WaveExecutor() = default;
  // Appends nodes (host memory) to the end of `level`.
  virtual void append(int level, const std::vector<WaveNode>& nodes) = 0;
  // Runs nodes [from, to) of `level` from the blank tape, counts their leaves as `rule` says and
  // appends the children of those that read an undefined entry (and are expanded) to level + 1, in
  // node order; returns how many children it appended.
  virtual uint64_t launch(int level, uint64_t from, uint64_t to, const WaveLevelRule& rule) = 0;
  // The level's nodes are all run: it starts empty again.
  virtual void clear(int level) = 0;
  // What the launches so far counted (for progress lines): tree nodes (the CPU walk's count) and
  // machines settled (halting, proved, cut off), a right-first leaf counting for its mirror image
  // too, as Table::machines counts them.
  struct Totals {
    uint64_t nodes = 0;
    count_t covered = 0;
  };
  virtual Totals totals() = 0;
};

// What a device wavefront runs with (the proofs as WavefrontOptions gives them).
struct WaveDeviceConfig {
  Space space;
  uint32_t cutoff = 0;
  WaveProofs proofs;
  bool cycle_proof = true;
  uint32_t launch_nodes = 1u << 20;  // nodes of one level per launch, at most (sizes the scan buffers)
};

// Runs `levels(executor)` on a device executor; the executor's leaves are returned as a device walk
// returns its leaves (mirrored-root subtrees, blank 0). An attempt whose histogram overflowed is
// run again from the start (levels is called again) with that buffer 4x larger.
using WaveDeviceRunner = std::function<DeviceLeaves(const WaveDeviceConfig&, const std::function<void(WaveExecutor&)>& levels)>;

// The wavefront on CUDA device opt.device (kernels/wavefront.cu). Throws ctm::Error on a CUDA failure.
DeviceLeaves wavefront_on_device(const WaveDeviceConfig& cfg, const DeviceWalkOptions& opt,
                                 const std::function<void(WaveExecutor&)>& levels);

}  // namespace ctm::detail
