// CUDA wavefront (issue 10, point 1; docs/gpu.md "Converged warps"): the launches of the device
// executor (wavefront_driver.hpp) on the GPU. wave_level_kernel: persistent threads take a level's
// nodes from an atomic counter and run each from the blank tape (the tape and the cycle proofs'
// copies in the thread's registers / local memory), leaves into the device histogram; then CUB's
// exclusive scan of the child counts and wave_children_kernel writing the next level. Everything but
// these launches is CTM_HD or host code the CPU tests also run (tests/test_wavefront.cpp).
#include <cuda_runtime.h>

#include <cub/device/device_scan.cuh>

#include "cuda_ops.cuh"
#include "wavefront_driver.hpp"

namespace ctm::detail {
namespace {

constexpr int kWaveBlock = 128;

template <int Words>
__global__ void wave_level_kernel(DeviceHistogram h, unsigned* next, const WaveNode* nodes, uint32_t count,
                                  WaveLevelConfig cfg, uint32_t* child_counts, WaveBranch* branch) {
  wave_level_lanes<Words>(h, next, nodes, count, cfg, child_counts, branch);
}

__global__ void wave_children_kernel(const WaveNode* nodes, uint32_t count, uint32_t max_children,
                                     const uint32_t* child_counts, const uint32_t* offsets, const WaveBranch* branch,
                                     WaveNode* out) {
  wave_write_children(blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x,
                      static_cast<size_t>(gridDim.x) * blockDim.x, nodes, count, max_children, child_counts, offsets,
                      branch, out);
}

// The Ops of drive_device_wavefront() on a CUDA device.
struct CudaWaveOps : CudaOpsBase {
  int sms = 0;
  void* d_scan_temp = nullptr;
  size_t scan_temp_bytes = 0;

  explicit CudaWaveOps(int d) : CudaOpsBase(d) {
    CTM_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  }
  ~CudaWaveOps() { if (d_scan_temp) cudaFree(d_scan_temp); }

  void copy(void* d, const void* s, size_t n) {
    CTM_CUDA_CHECK(cudaMemcpyAsync(d, s, n, cudaMemcpyDeviceToDevice, stream));
  }
  // As many blocks as are resident at once: each thread refills itself from the level's counter.
  template <int Words>
  void launch_wave_level(const DeviceHistogram& h, unsigned* next, const WaveNode* nodes, uint32_t count,
                         const WaveLevelConfig& cfg, uint32_t* child_counts, WaveBranch* branch) {
    static int per_sm = 0;  // per template instance, i.e. per tape size
    if (per_sm == 0)
      CTM_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, wave_level_kernel<Words>, kWaveBlock, 0));
    const uint64_t resident = static_cast<uint64_t>(sms > 0 ? sms : 1) * (per_sm > 0 ? per_sm : 1);
    const uint64_t needed = (static_cast<uint64_t>(count) + kWaveBlock - 1) / kWaveBlock;
    const unsigned blocks = static_cast<unsigned>(needed < resident ? needed : resident);
    wave_level_kernel<Words><<<blocks, kWaveBlock, 0, stream>>>(h, next, nodes, count, cfg, child_counts, branch);
    finish_launch();
  }
  void exclusive_sum(const uint32_t* in, uint32_t* out, uint32_t n) {
    size_t bytes = 0;
    CTM_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, bytes, in, out, n, stream));
    if (bytes > scan_temp_bytes) {
      if (d_scan_temp) CTM_CUDA_CHECK(cudaFree(d_scan_temp));
      d_scan_temp = nullptr;
      CTM_CUDA_CHECK(cudaMalloc(&d_scan_temp, bytes));
      scan_temp_bytes = bytes;
    }
    CTM_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(d_scan_temp, bytes, in, out, n, stream));
    CTM_CUDA_CHECK(cudaGetLastError());
  }
  void launch_wave_children(const WaveNode* nodes, uint32_t count, uint32_t max_children, const uint32_t* child_counts,
                            const uint32_t* offsets, const WaveBranch* branch, WaveNode* out) {
    const uint64_t pairs = static_cast<uint64_t>(count) * max_children;
    const uint64_t cap = static_cast<uint64_t>(sms > 0 ? sms : 1) * 16;
    const uint64_t need = (pairs + 255) / 256;
    const unsigned blocks = static_cast<unsigned>(need < cap ? need : cap);
    wave_children_kernel<<<blocks > 0 ? blocks : 1, 256, 0, stream>>>(nodes, count, max_children, child_counts, offsets,
                                                                        branch, out);
    finish_launch();
  }
};

}  // namespace

DeviceLeaves wavefront_on_device(const WaveDeviceConfig& cfg, const DeviceWalkOptions& opt,
                                 const std::function<void(WaveExecutor&)>& levels) {
  check_device_index(opt.device);
  CudaWaveOps ops(opt.device);
  return drive_device_wavefront(ops, cfg, opt, levels);
}

}  // namespace ctm::detail
