// CUDA backend, 2D spaces (spec section 4): the launch of walk_items_2d() (kernels/core/device_walk2d.hpp)
// on the GPU. Every thread takes 2D frontier items from a global queue and walks each item's subtree
// with walk_subtree_2d(), the same step, filters, symmetries and weights as the CPU, into the shared
// device histogram. As enumerate.cu for 1D, this file holds only the kernel and its Ops; memory,
// transfers and the hash drain are cuda_ops.cuh's, the batch loop is device_driver.hpp's, and the
// CPU tests run all the rest through the host emulation (tests/test_device_emulation.cpp).
#include <cuda_runtime.h>

#include "cuda_backend.hpp"
#include "cuda_ops.cuh"

namespace ctm::detail {
namespace {

__global__ void walk_items_2d_kernel(DeviceHistogram h, unsigned* next_item, const DeviceItem2d* items,
                                     const uint8_t* item_boxes, uint32_t first_item, uint32_t end_item,
                                     WalkConfig2d cfg, ThreadMemoryLayout2d lay, uint8_t* memory) {
  walk_items_2d(blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x, h, next_item, items, item_boxes,
                first_item, end_item, cfg, lay, memory);
}

// The Ops of drive_device_walk_2d() on a CUDA device. Each thread's memory holds n*k+2 grids of
// side 2^shift >= cutoff + 2: plan_launch() sizes the launch from it, or throws when not one warp fits.
struct CudaOps2d : CudaOpsBase {
  using CudaOpsBase::CudaOpsBase;
  uint32_t cutoff = 0;
  size_t prepare_2d(const ThreadMemoryLayout2d& lay) { return plan_threads(walk_items_2d_kernel, lay.per_thread, cutoff); }
  void launch_2d(const DeviceHistogram& h, unsigned* next_item, const DeviceItem2d* items, const uint8_t* boxes,
                 uint32_t first, uint32_t end, const WalkConfig2d& cfg, const ThreadMemoryLayout2d& lay,
                 uint8_t* memory) {
    walk_items_2d_kernel<<<plan.blocks, plan.block, 0, stream>>>(h, next_item, items, boxes, first, end, cfg, lay, memory);
    finish_launch();
  }
};

}  // namespace

DeviceLeaves walk_2d_on_device(const Space& space, uint32_t cutoff, const std::vector<DeviceItem2d>& items,
                               const std::vector<uint8_t>& boxes, const DeviceWalkOptions& opt,
                               const DeviceProgressFn& progress) {
  check_device_index(opt.device);
  CudaOps2d ops(opt.device);
  ops.cutoff = cutoff;
  return drive_device_walk_2d(ops, space, cutoff, items, boxes, opt, progress);
}

}  // namespace ctm::detail
