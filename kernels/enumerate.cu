// CUDA backend: the launch of walk_items() (include/ctm/device_walk.hpp) on the GPU. Every thread
// takes frontier items from a global queue and walks each item's subtree with walk_subtree(), the
// same step, filters and weights as the CPU, into the device histogram (device_histogram.hpp).
// Everything but the launch is CTM_HD or host code that the CPU tests also run through the host
// emulation (tests/test_device_emulation.cpp): this file holds only CUDA memory, the launch shape,
// and the Thrust compaction of the hash.
#include <cuda_runtime.h>
#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/gather.h>
#include <thrust/iterator/counting_iterator.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ctm/device_walk.hpp"
#include "cuda_backend.hpp"
#include "device_driver.hpp"

#define CTM_CUDA_CHECK(expr)                                                                              \
  do {                                                                                                    \
    const cudaError_t ctm_err_ = (expr);                                                                  \
    if (ctm_err_ != cudaSuccess)                                                                          \
      throw ::ctm::Error(std::string("CUDA error in ") + #expr + " (" + __FILE__ + ":" +                 \
                         std::to_string(__LINE__) + "): " + cudaGetErrorString(ctm_err_));                \
  } while (0)

namespace ctm::detail {
namespace {

using u64 = unsigned long long;

constexpr int kMaxBlock = 128;  // plan_launch() never asks for more

__global__ void walk_items_kernel(DeviceHistogram h, unsigned* next_item, const DeviceItem* items, const uint8_t* item_tapes,
                  uint32_t first_item, uint32_t end_item, WalkConfig cfg, ThreadMemoryLayout lay, uint8_t* memory) {
  walk_items(blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x, h, next_item, items, item_tapes, first_item,
             end_item, cfg, lay, memory);
}

struct IsOccupied {
  const u64* keys;
  __device__ bool operator()(uint32_t i) const { return keys[i] != 0; }
};

struct U128Words {
  u64 lo, hi;
};

// The DeviceOps of device_driver.hpp on a CUDA device, all on one stream.
struct CudaOps {
  int device = 0;
  cudaStream_t stream = nullptr;
  LaunchPlan plan{};

  explicit CudaOps(int d) : device(d) {
    CTM_CUDA_CHECK(cudaSetDevice(device));
    CTM_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  }
  ~CudaOps() { if (stream) cudaStreamDestroy(stream); }
  CudaOps(const CudaOps&) = delete;
  CudaOps& operator=(const CudaOps&) = delete;

  size_t prepare(const ThreadMemoryLayout& lay) {
    cudaDeviceProp prop{};
    CTM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    int per_sm = 0;
    CTM_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, walk_items_kernel, kMaxBlock, 0));
    size_t free_bytes = 0, total_bytes = 0;
    CTM_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    plan = plan_launch(free_bytes, lay.per_thread, prop.multiProcessorCount, per_sm, lay.origin - 2);
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
  void launch(const DeviceHistogram& h, unsigned* next_item, const DeviceItem* items, const uint8_t* tapes,
              uint32_t first, uint32_t end, const WalkConfig& cfg, const ThreadMemoryLayout& lay, uint8_t* memory) {
    walk_items_kernel<<<plan.blocks, plan.block, 0, stream>>>(h, next_item, items, tapes, first, end, cfg, lay, memory);
    CTM_CUDA_CHECK(cudaGetLastError());
    CTM_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  // Compacts the occupied slots on the device and copies back only those.
  void drain_hash(const DeviceHistogram& h, uint32_t slots, std::vector<std::pair<uint64_t, count_t>>& out) {
    unsigned used = 0;
    download(&used, h.keys_used, sizeof used);
    if (used == 0) return;
    DeviceBuffers<CudaOps> bufs(*this);
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
  if (opt.device < 0 || opt.device >= cuda_device_count())
    throw Error("CUDA device " + std::to_string(opt.device) + " does not exist (" + std::to_string(cuda_device_count()) +
                " device(s) present)");
  CudaOps ops(opt.device);
  return drive_device_walk(ops, space, cutoff, items, opt, progress);
}

}  // namespace ctm::detail
