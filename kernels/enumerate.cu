// CUDA backend: every thread takes frontier items from a global queue and walks each item's subtree
// with walk_subtree() (include/ctm/tree_walk.hpp): the same step, filters and weights as the CPU.
// Leaves go to a device sink: a global open-addressing hash of packed outputs with exact 128-bit
// atomic counts, an arena for outputs too long to pack, and 128-bit counters. Thrust compacts the
// hash before it is copied back. Counts are integers, so the result does not depend on the order
// in which threads add them.
#include <cuda_runtime.h>
#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/iterator/counting_iterator.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_backend.hpp"
#include "ctm/tree_walk.hpp"

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

struct DeviceItem {
  PartialMachine m;
  RunState r;
  count_t mult;
  uint32_t tape_offset, tape_len;
};

enum DeviceError : unsigned { kHashFull = 1, kArenaFull = 2 };
enum Stat { kHalting = 0, kProved = 2, kCutoff = 4, kNodes = 6, kSteps = 7, kStatWords = 8 };

struct DeviceState {
  u64* keys;        // hash keys, 0 = empty
  u64* counts;      // 2 words (low, high) per slot
  uint32_t mask;    // slots - 1
  u64* stats;       // Stat layout
  u64* hist;        // 2 words per step 0..cutoff
  uint8_t* arena;   // long outputs: records of [u32 len][u32 pad][u64 lo][u64 hi][len bytes, padded to 8]
  u64* arena_used;
  u64 arena_capacity;
  unsigned* error;
  unsigned* next_item;
};

__device__ void atomic_add_u128(u64* p, count_t v) {
  const u64 lo = static_cast<u64>(v);
  u64 hi = static_cast<u64>(v >> 64);
  const u64 old = atomicAdd(p, lo);
  if (old + lo < old) ++hi;  // carry out of the low word
  if (hi) atomicAdd(p + 1, hi);
}

__device__ uint32_t slot_of(u64 key) { return static_cast<uint32_t>((key * 0x9E3779B97F4A7C15ull) >> 40); }

struct DeviceSink {
  const DeviceState& st;
  int k, bits;
  count_t halting_w = 0, proved_w = 0, cutoff_w = 0;
  u64 nodes = 0, steps_n = 0;

  __device__ void hash_add(u64 key, count_t w) {
    uint32_t slot = slot_of(key) & st.mask;
    for (uint32_t probe = 0; probe <= st.mask; ++probe) {
      u64 seen = *reinterpret_cast<volatile u64*>(&st.keys[slot]);
      if (seen == 0) seen = atomicCAS(&st.keys[slot], 0ull, key);  // keys never change once set
      if (seen == 0 || seen == key) { atomic_add_u128(&st.counts[2 * slot], w); return; }
      slot = (slot + 1) & st.mask;
    }
    atomicOr(st.error, kHashFull);
  }
  __device__ void long_add(const uint8_t* cells, int len, int head, int w, count_t weight) {
    const u64 bytes = 24 + ((static_cast<u64>(len) + 7) & ~7ull);
    const u64 at = atomicAdd(st.arena_used, bytes);
    if (at + bytes > st.arena_capacity) { atomicOr(st.error, kArenaFull); return; }
    uint8_t* rec = st.arena + at;
    *reinterpret_cast<uint32_t*>(rec) = static_cast<uint32_t>(len);
    *reinterpret_cast<u64*>(rec + 8) = static_cast<u64>(weight);
    *reinterpret_cast<u64*>(rec + 16) = static_cast<u64>(weight >> 64);
    for (int i = 0; i < len; ++i) rec[24 + i] = i == head ? static_cast<uint8_t>(w) : cells[i];
  }

  __device__ void node() { ++nodes; }
  __device__ void halting_leaves(const uint8_t* cells, int len, int head, count_t weight, uint32_t step) {
    for (int w = 0; w < k; ++w) {
      const u64 key = pack_output(cells, len, head, static_cast<uint8_t>(w), bits);
      if (key) hash_add(key, weight); else long_add(cells, len, head, w, weight);
    }
    atomic_add_u128(&st.hist[2 * step], weight * static_cast<count_t>(k));
    halting_w += weight * static_cast<count_t>(k);
  }
  __device__ void halting(const uint8_t* cells, int len, int head, const WalkFrame&, count_t weight, uint32_t step) {
    halting_leaves(cells, len, head, weight, step);
  }
  __device__ void cutoff(count_t w) { cutoff_w += w; }
  __device__ void proved(count_t w) { proved_w += w; }
  __device__ void steps(uint32_t n) { steps_n += n; }
  __device__ void frontier(const PartialMachine&, const RunState&, count_t, const uint8_t*) {}
  __device__ bool cancelled() { return false; }
  __device__ void flush() {
    atomic_add_u128(&st.stats[kHalting], halting_w);
    atomic_add_u128(&st.stats[kProved], proved_w);
    atomic_add_u128(&st.stats[kCutoff], cutoff_w);
    atomicAdd(&st.stats[kNodes], nodes);
    atomicAdd(&st.stats[kSteps], steps_n);
  }
};

// Per-thread walk memory lives in one global buffer: tapes, frames and proof scratch.
struct ThreadMemoryLayout {
  int32_t stride, origin;
  int levels;
  size_t tapes_bytes, frames_bytes, scratch_bytes, per_thread;
};

__global__ void walk_items_kernel(DeviceState st, const DeviceItem* items, const uint8_t* item_tapes,
                                  uint32_t first_item, uint32_t end_item, WalkConfig cfg, ThreadMemoryLayout lay,
                                  uint8_t* memory) {
  const size_t tid = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  uint8_t* mine = memory + tid * lay.per_thread;
  WalkMemory mem;
  mem.tapes = mine;
  mem.stride = lay.stride;
  mem.origin = lay.origin;
  mem.frames = reinterpret_cast<WalkFrame*>(mine + lay.tapes_bytes);
  uint8_t* scratch = mine + lay.tapes_bytes + lay.frames_bytes;
  mem.scratch = ProofScratch{scratch, scratch + lay.stride, scratch + 2 * lay.stride, lay.stride};
  DeviceSink sink{st, cfg.k, bits_per_symbol(cfg.k)};
  for (;;) {
    const uint32_t i = first_item + atomicAdd(st.next_item, 1u);
    if (i >= end_item) break;
    const DeviceItem& item = items[i];
    uint8_t* t0 = mem.tape(0);
    for (uint32_t c = 0; c < item.tape_len; ++c) t0[item.r.lo + static_cast<int32_t>(c)] = item_tapes[item.tape_offset + c];
    walk_subtree(cfg, item.m, item.r, item.mult, false, false, mem, sink);
  }
  sink.flush();
}

struct IsOccupied {
  const u64* keys;
  __device__ bool operator()(uint32_t i) const { return keys[i] != 0; }
};

template <class T>
struct DeviceBuffer {
  T* ptr = nullptr;
  explicit DeviceBuffer(size_t n) {
    CTM_CUDA_CHECK(cudaMalloc(&ptr, std::max<size_t>(n, 1) * sizeof(T)));
    CTM_CUDA_CHECK(cudaMemset(ptr, 0, std::max<size_t>(n, 1) * sizeof(T)));
  }
  ~DeviceBuffer() { if (ptr) cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

count_t u128_at(const std::vector<u64>& v, size_t i) { return static_cast<count_t>(v[i]) | (static_cast<count_t>(v[i + 1]) << 64); }

// One full attempt with a hash of `slots` slots; returns false when the hash or arena overflowed.
bool walk_attempt(const Space& space, uint32_t cutoff, const std::vector<const WorkItem*>& items, int device,
                  const std::function<bool(uint64_t)>& progress, uint32_t slots, u64 arena_bytes, DeviceLeaves& out) {
  CTM_CUDA_CHECK(cudaSetDevice(device));
  cudaDeviceProp prop{};
  CTM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));

  // Items and their tape windows, flattened.
  std::vector<DeviceItem> h_items(items.size());
  std::vector<uint8_t> h_tapes;
  for (size_t i = 0; i < items.size(); ++i) {
    h_items[i] = DeviceItem{items[i]->machine, items[i]->run, items[i]->multiplicity,
                            static_cast<uint32_t>(h_tapes.size()), static_cast<uint32_t>(items[i]->tape.size())};
    h_tapes.insert(h_tapes.end(), items[i]->tape.begin(), items[i]->tape.end());
  }
  DeviceBuffer<DeviceItem> d_items(h_items.size());
  DeviceBuffer<uint8_t> d_tapes(h_tapes.size());
  CTM_CUDA_CHECK(cudaMemcpy(d_items.ptr, h_items.data(), h_items.size() * sizeof(DeviceItem), cudaMemcpyHostToDevice));
  CTM_CUDA_CHECK(cudaMemcpy(d_tapes.ptr, h_tapes.data(), h_tapes.size(), cudaMemcpyHostToDevice));

  std::vector<count_t> pow(space.entries() + 1, 1);
  for (int i = 1; i <= space.entries(); ++i) pow[i] = pow[i - 1] * static_cast<count_t>(space.options_per_entry());
  DeviceBuffer<count_t> d_pow(pow.size());
  CTM_CUDA_CHECK(cudaMemcpy(d_pow.ptr, pow.data(), pow.size() * sizeof(count_t), cudaMemcpyHostToDevice));

  DeviceBuffer<u64> d_keys(slots), d_counts(2 * static_cast<size_t>(slots)), d_stats(kStatWords),
      d_hist(2 * (static_cast<size_t>(cutoff) + 1)), d_arena_used(1);
  DeviceBuffer<uint8_t> d_arena(arena_bytes);
  DeviceBuffer<unsigned> d_error(1), d_next(1);
  DeviceState st{d_keys.ptr, d_counts.ptr, slots - 1, d_stats.ptr, d_hist.ptr, d_arena.ptr, d_arena_used.ptr,
                 arena_bytes, d_error.ptr, d_next.ptr};

  ThreadMemoryLayout lay{};
  lay.origin = static_cast<int32_t>(cutoff) + 2;
  lay.stride = 2 * lay.origin + 1;
  lay.levels = space.entries() + 2;
  lay.tapes_bytes = (static_cast<size_t>(lay.levels) * lay.stride + 15) & ~size_t(15);
  lay.frames_bytes = static_cast<size_t>(lay.levels) * sizeof(WalkFrame);
  lay.scratch_bytes = (3 * static_cast<size_t>(lay.stride) + 15) & ~size_t(15);
  lay.per_thread = lay.tapes_bytes + lay.frames_bytes + lay.scratch_bytes;

  const int block = 128;
  int blocks = prop.multiProcessorCount * 8;
  // Keep the per-thread walk memory under a quarter of the free device memory.
  size_t free_bytes = 0, total_bytes = 0;
  CTM_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  while (blocks > prop.multiProcessorCount && static_cast<size_t>(blocks) * block * lay.per_thread > free_bytes / 4) blocks /= 2;
  DeviceBuffer<uint8_t> d_memory(static_cast<size_t>(blocks) * block * lay.per_thread);

  const WalkConfig cfg{space.states, space.symbols, cutoff, d_pow.ptr, 0};
  const uint32_t total = static_cast<uint32_t>(items.size());
  const uint32_t batch = std::max<uint32_t>(static_cast<uint32_t>(blocks) * block * 4, 1u);
  for (uint32_t first = 0; first < total; first += batch) {
    const uint32_t end = std::min(total, first + batch);
    CTM_CUDA_CHECK(cudaMemset(d_next.ptr, 0, sizeof(unsigned)));
    walk_items_kernel<<<blocks, block>>>(st, d_items.ptr, d_tapes.ptr, first, end, cfg, lay, d_memory.ptr);
    CTM_CUDA_CHECK(cudaGetLastError());
    CTM_CUDA_CHECK(cudaDeviceSynchronize());
    unsigned err = 0;
    CTM_CUDA_CHECK(cudaMemcpy(&err, d_error.ptr, sizeof err, cudaMemcpyDeviceToHost));
    if (err) return false;
    if (progress && !progress(end)) throw Cancelled("enumeration cancelled after " + std::to_string(end) + " of " +
                                                    std::to_string(total) + " work items");
  }

  // Compact the occupied slots on the device, then copy them back.
  DeviceBuffer<uint32_t> d_occupied(slots);
  thrust::device_ptr<uint32_t> occ(d_occupied.ptr);
  const auto occ_end = thrust::copy_if(thrust::device, thrust::counting_iterator<uint32_t>(0),
                                       thrust::counting_iterator<uint32_t>(slots), occ, IsOccupied{d_keys.ptr});
  const size_t used = static_cast<size_t>(occ_end - occ);
  std::vector<uint32_t> h_occ(used);
  std::vector<u64> h_keys(slots), h_counts(2 * static_cast<size_t>(slots));
  CTM_CUDA_CHECK(cudaMemcpy(h_occ.data(), d_occupied.ptr, used * sizeof(uint32_t), cudaMemcpyDeviceToHost));
  CTM_CUDA_CHECK(cudaMemcpy(h_keys.data(), d_keys.ptr, h_keys.size() * sizeof(u64), cudaMemcpyDeviceToHost));
  CTM_CUDA_CHECK(cudaMemcpy(h_counts.data(), d_counts.ptr, h_counts.size() * sizeof(u64), cudaMemcpyDeviceToHost));
  out.packed.clear();
  for (uint32_t s : h_occ) out.packed.emplace_back(h_keys[s], u128_at(h_counts, 2 * static_cast<size_t>(s)));

  u64 arena_used = 0;
  CTM_CUDA_CHECK(cudaMemcpy(&arena_used, d_arena_used.ptr, sizeof arena_used, cudaMemcpyDeviceToHost));
  std::vector<uint8_t> h_arena(arena_used);
  if (arena_used) CTM_CUDA_CHECK(cudaMemcpy(h_arena.data(), d_arena.ptr, arena_used, cudaMemcpyDeviceToHost));
  out.long_outputs.clear();
  for (u64 at = 0; at < arena_used;) {
    uint32_t len;
    u64 lo, hi;
    std::memcpy(&len, &h_arena[at], 4);
    std::memcpy(&lo, &h_arena[at + 8], 8);
    std::memcpy(&hi, &h_arena[at + 16], 8);
    std::string s(len, '0');
    for (uint32_t i = 0; i < len; ++i) s[i] = symbol_char(h_arena[at + 24 + i]);
    out.long_outputs.emplace_back(std::move(s), static_cast<count_t>(lo) | (static_cast<count_t>(hi) << 64));
    at += 24 + ((static_cast<u64>(len) + 7) & ~7ull);
  }

  std::vector<u64> h_stats(kStatWords), h_hist(2 * (static_cast<size_t>(cutoff) + 1));
  CTM_CUDA_CHECK(cudaMemcpy(h_stats.data(), d_stats.ptr, h_stats.size() * sizeof(u64), cudaMemcpyDeviceToHost));
  CTM_CUDA_CHECK(cudaMemcpy(h_hist.data(), d_hist.ptr, h_hist.size() * sizeof(u64), cudaMemcpyDeviceToHost));
  out.halting = u128_at(h_stats, kHalting);
  out.proved = u128_at(h_stats, kProved);
  out.cutoff_runs = u128_at(h_stats, kCutoff);
  out.nodes = h_stats[kNodes];
  out.steps = h_stats[kSteps];
  out.halt_time.assign(cutoff + 1, 0);
  for (uint32_t t = 0; t <= cutoff; ++t) out.halt_time[t] = u128_at(h_hist, 2 * static_cast<size_t>(t));
  return true;
}

}  // namespace

int cuda_device_count() {
  static const int count = [] {
    int n = 0;  // left untouched by cudaGetDeviceCount when there is no driver
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();  // clear the sticky "no driver" error
      return 0;
    }
    return n;
  }();
  return count;
}

DeviceLeaves walk_on_device(const Space& space, uint32_t cutoff, const std::vector<const WorkItem*>& items, int device,
                            const std::function<bool(uint64_t)>& progress) {
  if (device < 0 || device >= cuda_device_count())
    throw Error("CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(cuda_device_count()) +
                " device(s) present)");
  DeviceLeaves out;
  uint32_t slots = 1u << 22;
  u64 arena = 64ull << 20;
  for (int attempt = 0; attempt < 4; ++attempt, slots *= 4, arena *= 4) {
    if (walk_attempt(space, cutoff, items, device, progress, slots, arena, out)) return out;
  }
  throw Error("CUDA backend: output hash or long-output arena overflowed even at " + std::to_string(slots / 4) +
              " slots; use --backend cpu");
}

}  // namespace ctm::detail
