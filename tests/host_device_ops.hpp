// The emulated device of the CPU tests: the Ops of kernels/device_driver.hpp on host memory (in the
// device layout, filled with garbage: device memory is not zeroed), where a "launch" runs the
// kernel's whole body (walk_items<Geo>() or sample_items()) on several std::threads.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "core/device_sample.hpp"
#include "core/device_walk.hpp"
#include "core/wavefront_device.hpp"
#include "ctm/table.hpp"

namespace ctm::detail {

struct HostDeviceOps {
  int threads = 4;
  // What the emulated launches saw, for the tests to check that the paths ran.
  int launches = 0, hash_drains = 0;
  size_t max_batch = 0;

  template <class Geo>
  size_t prepare(const ThreadMemoryLayout<Geo>&) { return static_cast<size_t>(threads); }
  void* alloc(size_t bytes) {
    void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!p) throw Error("emulated device: out of memory");
    std::memset(p, 0x55, bytes);  // device memory is not zeroed: nothing may rely on it
    return p;
  }
  void release(void* p) noexcept { std::free(p); }
  void upload(void* d, const void* h, size_t n) { std::memcpy(d, h, n); }
  void download(void* h, const void* d, size_t n) { std::memcpy(h, d, n); }
  void zero(void* d, size_t n) { std::memset(d, 0, n); }
  size_t prepare_sample(size_t, uint32_t) { return static_cast<size_t>(threads); }
  template <class Geo>
  void launch(const DeviceHistogram& h, unsigned* next_item, const DeviceItem<Geo>* items, const uint8_t* cells,
              uint32_t first, uint32_t end, const WalkConfig& cfg, const ThreadMemoryLayout<Geo>& lay, uint8_t* memory) {
    ++launches;
    max_batch = std::max<size_t>(max_batch, end - first);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { walk_items(static_cast<size_t>(t), h, next_item, items, cells, first, end, cfg, lay, memory); });
    for (auto& th : pool) th.join();
  }
  void launch_sample(const DeviceHistogram& h, unsigned* next, uint64_t first, uint64_t end, const SampleConfig& cfg,
                     size_t bytes_per_thread, uint8_t* memory) {
    ++launches;
    max_batch = std::max<size_t>(max_batch, end - first);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { sample_items(static_cast<size_t>(t), h, next, first, end, cfg, bytes_per_thread, memory); });
    for (auto& th : pool) th.join();
  }
  void drain_hash(const DeviceHistogram& h, uint32_t slots, std::vector<std::pair<uint64_t, count_t>>& out) {
    ++hash_drains;
    for_each_hash_entry(h.keys, h.counts, slots, [&](uint64_t key, count_t c) { out.emplace_back(key, c); });
  }
};

// The wavefront's device Ops (wavefront_driver.hpp) on the emulated device: the level and children
// "kernels" run wave_level_lanes() / wave_write_children() on several std::threads; the scan is a loop.
struct HostWaveOps : HostDeviceOps {
  int level_launches = 0;
  void copy(void* d, const void* s, size_t n) { std::memcpy(d, s, n); }
  template <int Words>
  void launch_wave_level(const DeviceHistogram& h, unsigned* next, const WaveNode* nodes, uint32_t count,
                         const WaveLevelConfig& cfg, uint32_t* child_counts, WaveBranch* branch) {
    ++level_launches;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] { wave_level_lanes<Words>(h, next, nodes, count, cfg, child_counts, branch); });
    for (auto& th : pool) th.join();
  }
  void exclusive_sum(const uint32_t* in, uint32_t* out, uint32_t n) {
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t v = in[i];  // in and out never alias here, but read first as CUB allows in-place
      out[i] = sum;
      sum += v;
    }
  }
  void launch_wave_children(const WaveNode* nodes, uint32_t count, uint32_t max_children, const uint32_t* child_counts,
                            const uint32_t* offsets, const WaveBranch* branch, WaveNode* out) {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        wave_write_children(static_cast<size_t>(t), static_cast<size_t>(threads), nodes, count, max_children,
                            child_counts, offsets, branch, out);
      });
    for (auto& th : pool) th.join();
  }
};

// Driver options of an emulated run: tiny hash / arena sizes and short batches make the retry and
// drain paths run. batch = items (or machines) per launch, min = max; 0 = the driver's default.
inline DeviceWalkOptions emulation_walk_options(uint32_t slots, uint64_t arena, uint32_t batch) {
  DeviceWalkOptions w;
  w.initial_slots = slots;
  w.initial_arena_bytes = arena;
  w.attempts = 8;
  if (batch) w.max_batch_items = w.min_batch_items = batch;
  return w;
}

// One emulated run: its table and what the driver did, for the tests' "the path ran" checks.
struct EmulatedRun {
  Table table;
  int launches = 0, hash_drains = 0, attempts = 0;
  uint64_t arena_drains = 0;
  size_t max_batch = 0, items = 0;
  void record(const HostDeviceOps& ops, const DeviceLeaves& leaves) {
    launches = ops.launches;
    hash_drains = ops.hash_drains;
    max_batch = ops.max_batch;
    attempts = leaves.attempts;
    arena_drains = leaves.arena_drains;
  }
};

}  // namespace ctm::detail
