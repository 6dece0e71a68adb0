// CUDA backend: the launch of walk_items<Geo>() (kernels/core/device_walk.hpp) on the GPU, one kernel
// template for 1D tapes and 2D grids. Every thread takes frontier items from a global queue and walks
// each item's subtree with walk_subtree(), the same step, filters, symmetries and weights as the CPU,
// into the device histogram (device_histogram.hpp).
// Everything but the launch is CTM_HD or host code that the CPU tests also run through the host
// emulation (tests/test_device_emulation.cpp): this file holds only the launch and the device probe
// (CUDA memory, the launch shape and the Thrust compaction of the hash are in cuda_ops.cuh).
#include <cuda_runtime.h>

#include <string>

#include "cuda_backend.hpp"
#include "cuda_ops.cuh"

namespace ctm::detail {
namespace {

template <class Geo>
__global__ void walk_items_kernel(DeviceHistogram h, unsigned* next_item, const DeviceItem<Geo>* items,
                                  const uint8_t* item_cells, uint32_t first_item, uint32_t end_item, WalkConfig cfg,
                                  ThreadMemoryLayout<Geo> lay, uint8_t* memory) {
  walk_items(blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x, h, next_item, items, item_cells, first_item,
             end_item, cfg, lay, memory);
}

// The Ops of drive_device_walk() on a CUDA device. Each thread's memory holds the cells of n*k+2
// tree levels (tapes of 2T+5 cells, or grids of side 2^shift >= T+2): plan_launch() sizes the launch
// from it, or throws when not one warp fits.
struct CudaOps : CudaOpsBase {
  using CudaOpsBase::CudaOpsBase;
  template <class Geo>
  size_t prepare(const ThreadMemoryLayout<Geo>& lay) {
    return plan_threads(walk_items_kernel<Geo>, lay.per_thread, lay.cutoff);
  }
  template <class Geo>
  void launch(const DeviceHistogram& h, unsigned* next_item, const DeviceItem<Geo>* items, const uint8_t* cells,
              uint32_t first, uint32_t end, const WalkConfig& cfg, const ThreadMemoryLayout<Geo>& lay, uint8_t* memory) {
    walk_items_kernel<Geo><<<plan.blocks, plan.block, 0, stream>>>(h, next_item, items, cells, first, end, cfg, lay, memory);
    finish_launch();
  }
};

template <class Geo>
DeviceLeaves walk_geometry_on_device(const Space& space, uint32_t cutoff, const std::vector<const WorkItemOf<Geo>*>& items,
                                     const DeviceWalkOptions& opt, const DeviceProgressFn& progress) {
  check_device_index(opt.device);
  CudaOps ops(opt.device);
  return drive_device_walk<Geo>(ops, space, cutoff, items, opt, progress);
}

struct Probe {
  int count = 0;
  std::string error;
};

const Probe& probe() {
  static const Probe p = [] {
    Probe r;
    int n = 0;  // left untouched by cudaGetDeviceCount when there is no driver
    const cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
      cudaGetLastError();  // clear the sticky "no driver" error
      r.error = std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
      return r;
    }
    r.count = n;
    if (n == 0) r.error = "cudaGetDeviceCount found 0 devices";
    return r;
  }();
  return p;
}

}  // namespace

int cuda_device_count() { return probe().count; }
std::string cuda_probe_error() { return probe().error; }

DeviceLeaves walk_on_device(const Space& space, uint32_t cutoff, const std::vector<const WorkItem*>& items,
                            const DeviceWalkOptions& opt, const DeviceProgressFn& progress) {
  return walk_geometry_on_device<Tape1d>(space, cutoff, items, opt, progress);
}
DeviceLeaves walk_on_device(const Space& space, uint32_t cutoff, const std::vector<const WorkItem2d*>& items,
                            const DeviceWalkOptions& opt, const DeviceProgressFn& progress) {
  return walk_geometry_on_device<Grid2d>(space, cutoff, items, opt, progress);
}

}  // namespace ctm::detail
