// CUDA sampler: the launch of sample_items() (kernels/core/device_sample.hpp) on the GPU. Every
// thread takes chunks of machine indices from a global counter and runs sample_machine()
// (sample_walk.hpp, the code of the CPU sampler) on each, adding halting outputs to the device
// histogram. Everything but the launch is CTM_HD or host code that the CPU tests also run through the
// host emulation (tests/test_device_sample.cpp).
#include <cuda_runtime.h>

#include "core/device_sample.hpp"
#include "cuda_backend.hpp"
#include "cuda_ops.cuh"

namespace ctm::detail {
namespace {

__global__ void sample_items_kernel(DeviceHistogram h, unsigned* next, unsigned long long first, unsigned long long end,
                                    SampleConfig cfg, size_t bytes_per_thread, uint8_t* memory) {
  sample_items(blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x, h, next, first, end, cfg, bytes_per_thread,
               memory);
}

// The Ops of drive_device_sample() on a CUDA device.
struct CudaSampleOps : CudaOpsBase {
  using CudaOpsBase::CudaOpsBase;
  size_t prepare_sample(size_t bytes_per_thread, uint32_t cutoff) {
    return plan_threads(sample_items_kernel, bytes_per_thread, cutoff);
  }
  void launch_sample(const DeviceHistogram& h, unsigned* next, uint64_t first, uint64_t end, const SampleConfig& cfg,
                     size_t bytes_per_thread, uint8_t* memory) {
    sample_items_kernel<<<plan.blocks, plan.block, 0, stream>>>(h, next, first, end, cfg, bytes_per_thread, memory);
    finish_launch();
  }
};

}  // namespace

DeviceLeaves sample_on_device(const SampleConfig& cfg, uint64_t start, uint64_t machines, const DeviceWalkOptions& opt,
                              const DeviceProgressFn& progress) {
  check_device_index(opt.device);
  CudaSampleOps ops(opt.device);
  return drive_device_sample(ops, cfg, start, machines, opt, progress);
}

}  // namespace ctm::detail
