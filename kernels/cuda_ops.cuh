// The CUDA side of device_driver.hpp's Ops, shared by the enumeration (enumerate.cu) and the
// sampler (sample.cu): checked CUDA calls on one stream, device memory, and the Thrust compaction
// that drains the output hash. Each .cu adds its own prepare/launch for its kernel.
#pragma once
#include <cuda_runtime.h>
#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/gather.h>
#include <thrust/iterator/counting_iterator.h>

#include <string>
#include <utility>
#include <vector>

#include "core/device_histogram.hpp"
#include "core/device_walk.hpp"  // plan_launch
#include "device_driver.hpp"

#define CTM_CUDA_CHECK(expr)                                                                              \
  do {                                                                                                    \
    const cudaError_t ctm_err_ = (expr);                                                                  \
    if (ctm_err_ != cudaSuccess)                                                                          \
      throw ::ctm::Error(std::string("CUDA error in ") + #expr + " (" + __FILE__ + ":" +                 \
                         std::to_string(__LINE__) + "): " + cudaGetErrorString(ctm_err_));                \
  } while (0)

namespace ctm::detail {
namespace {  // each .cu gets its own copy

constexpr int kMaxBlock = 128;  // plan_launch() never asks for more

struct IsOccupied {
  const unsigned long long* keys;
  __device__ bool operator()(uint32_t i) const { return keys[i] != 0; }
};

struct U128Words {
  unsigned long long lo, hi;
};

// Memory and transfer primitives of device_driver.hpp's Ops on one CUDA device, all on one stream.
struct CudaOpsBase {
  using u64 = unsigned long long;
  int device = 0;
  cudaStream_t stream = nullptr;
  LaunchPlan plan{};

  explicit CudaOpsBase(int d) : device(d) {
    CTM_CUDA_CHECK(cudaSetDevice(device));
    CTM_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  }
  ~CudaOpsBase() { if (stream) cudaStreamDestroy(stream); }
  CudaOpsBase(const CudaOpsBase&) = delete;
  CudaOpsBase& operator=(const CudaOpsBase&) = delete;

  // Threads for `kernel`: blocks of kMaxBlock as resident at once, within half of the free memory.
  template <class Kernel>
  size_t plan_threads(Kernel kernel, size_t per_thread, uint32_t cutoff) {
    cudaDeviceProp prop{};
    CTM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    int per_sm = 0;
    CTM_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kMaxBlock, 0));
    size_t free_bytes = 0, total_bytes = 0;
    CTM_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    plan = plan_launch(free_bytes, per_thread, prop.multiProcessorCount, per_sm, cutoff);
    return static_cast<size_t>(plan.blocks) * plan.block;
  }
  void* alloc(size_t bytes) {
    void* p = nullptr;
    CTM_CUDA_CHECK(cudaMalloc(&p, bytes));
    return p;
  }
  void release(void* p) noexcept { cudaFree(p); }
  void upload(void* d, const void* h, size_t n) {
    CTM_CUDA_CHECK(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, stream));
    CTM_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  void download(void* h, const void* d, size_t n) {
    CTM_CUDA_CHECK(cudaMemcpyAsync(h, d, n, cudaMemcpyDeviceToHost, stream));
    CTM_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  void zero(void* d, size_t n) { CTM_CUDA_CHECK(cudaMemsetAsync(d, 0, n, stream)); }
  // After a launch: its error, then its completion.
  void finish_launch() {
    CTM_CUDA_CHECK(cudaGetLastError());
    CTM_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  // Compacts the occupied slots on the device and copies back only those.
  void drain_hash(const DeviceHistogram& h, uint32_t slots, std::vector<std::pair<uint64_t, count_t>>& out) {
    unsigned used = 0;
    download(&used, h.keys_used, sizeof used);
    if (used == 0) return;
    DeviceBuffers<CudaOpsBase> bufs(*this);
    uint32_t* d_idx = bufs.get<uint32_t>(used, false);
    u64* d_keys = bufs.get<u64>(used, false);
    U128Words* d_counts = bufs.get<U128Words>(used, false);
    const auto policy = thrust::cuda::par.on(stream);
    const thrust::device_ptr<uint32_t> idx(d_idx);
    const auto idx_end = thrust::copy_if(policy, thrust::counting_iterator<uint32_t>(0),
                                         thrust::counting_iterator<uint32_t>(slots), idx, IsOccupied{h.keys});
    const size_t n = static_cast<size_t>(idx_end - idx);
    if (n != used) throw Error("CUDA backend: hash holds " + std::to_string(n) + " keys, counted " + std::to_string(used));
    thrust::gather(policy, idx, idx_end, thrust::device_ptr<const u64>(h.keys), thrust::device_ptr<u64>(d_keys));
    thrust::gather(policy, idx, idx_end, thrust::device_ptr<const U128Words>(reinterpret_cast<const U128Words*>(h.counts)),
                   thrust::device_ptr<U128Words>(d_counts));
    std::vector<u64> keys(n);
    std::vector<U128Words> counts(n);
    download(keys.data(), d_keys, n * sizeof(u64));
    download(counts.data(), d_counts, n * sizeof(U128Words));
    for (size_t i = 0; i < n; ++i)
      out.emplace_back(keys[i], static_cast<count_t>(counts[i].lo) | (static_cast<count_t>(counts[i].hi) << 64));
  }
};

// A bad device index is an error before any work.
inline void check_device_index(int device) {
  if (device < 0 || device >= cuda_device_count())
    throw Error("CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(cuda_device_count()) +
                " device(s) present)");
}

}  // namespace
}  // namespace ctm::detail
