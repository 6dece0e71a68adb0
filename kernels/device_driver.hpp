// The host side of the device walk, written once for the real GPU (kernels/enumerate.cu) and for
// the host emulation the CPU tests run (tests/test_device_emulation.cpp): items are flattened and
// uploaded, launched in batches of about DeviceWalkOptions::batch_seconds of work, and after every
// batch the long-output arena is drained into a host map (so it bounds one batch, not the run) and
// the hash is drained when it is a quarter full (so it bounds one batch's new keys, not the run's).
// A batch that overflows either voids the attempt, which restarts with that buffer 4x larger.
// Internal to host/, kernels/ and tests/. C++17 (nvcc compiles it).
#pragma once
#include <algorithm>
#include <chrono>
#include <climits>
#include <string>
#include <vector>

#include "core/device_sample.hpp"
#include "core/device_walk.hpp"
#include "cuda_backend.hpp"

namespace ctm::detail {

// Ops, the memory and launch primitives of one backend (the walk's two templated on the geometry Geo):
//   size_t prepare(const ThreadMemoryLayout<Geo>&)  number of walking threads (each gets a memory slice)
//   void* alloc(size_t bytes); void release(void*) noexcept;   contents undefined after alloc
//   void upload(void* d, const void* h, size_t); void download(void* h, const void* d, size_t);
//   void zero(void* d, size_t);
//   void launch(const DeviceHistogram&, unsigned* next_item, const DeviceItem<Geo>*, const uint8_t* cells,
//               uint32_t first, uint32_t end, const WalkConfig&, const ThreadMemoryLayout<Geo>&, uint8_t* memory);
//       runs walk_items<Geo>() on every thread and returns when all are done
//   void drain_hash(const DeviceHistogram&, uint32_t slots, std::vector<std::pair<uint64_t, count_t>>& out);
//       appends every occupied slot's (key, count)
template <class Ops>
class DeviceBuffers {
 public:
  explicit DeviceBuffers(Ops& ops) : ops_(ops) {}
  ~DeviceBuffers() { for (void* p : held_) ops_.release(p); }
  DeviceBuffers(const DeviceBuffers&) = delete;
  DeviceBuffers& operator=(const DeviceBuffers&) = delete;
  template <class T>
  T* get(size_t n, bool zeroed) {
    held_.reserve(held_.size() + 1);  // so that push_back cannot throw after alloc
    void* p = ops_.alloc(std::max<size_t>(n, 1) * sizeof(T));
    held_.push_back(p);
    if (zeroed) ops_.zero(p, std::max<size_t>(n, 1) * sizeof(T));
    return static_cast<T*>(p);
  }

 private:
  Ops& ops_;
  std::vector<void*> held_;
};

// The batch loop shared by the tree walk and the sampler: `total` units (work items or machines)
// run in launches over [first, end) until done, with the histogram's drains, progress and
// cancellation between launches, and the attempt redone with a larger hash / arena after an
// overflow. launch(h, d_next, first, end) runs one batch on every thread (d_next zeroed before).
// `task` and `unit` name the work in the cancel message.
template <class Ops, class Launch>
DeviceLeaves drive_device_batches(Ops& ops, uint64_t total, size_t threads, uint32_t cutoff, const DeviceWalkOptions& opt,
                                  const DeviceProgressFn& progress, const char* task, const char* unit,
                                  Launch&& launch) {
  using hd::u64;
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  const size_t hist_words = 2 * (static_cast<size_t>(cutoff) + 1);
  uint32_t slots = std::max<uint32_t>(opt.initial_slots, 2);
  if (slots & (slots - 1)) throw Error("CUDA backend: hash slots must be a power of 2 (got " + std::to_string(slots) + ")");
  u64 arena_bytes = std::max<u64>(opt.initial_arena_bytes, 64);
  uint64_t reported = 0;  // progress never goes back when an attempt is redone
  auto last_report = std::chrono::steady_clock::now();
  for (int attempt = 0; attempt < std::max(opt.attempts, 1); ++attempt) {
    DeviceBuffers<Ops> bufs(ops);
    DeviceHistogram h{};
    h.keys = bufs.template get<u64>(slots, true);
    h.counts = bufs.template get<u64>(2 * static_cast<size_t>(slots), true);
    h.mask = slots - 1;
    h.shift = hash_shift_for(slots);
    h.max_keys = slots / 2;
    h.keys_used = bufs.template get<unsigned>(1, true);
    h.stats = bufs.template get<u64>(kStatWords, true);
    h.hist = bufs.template get<u64>(hist_words, true);
    h.arena = bufs.template get<uint8_t>(arena_bytes, false);
    h.arena_used = bufs.template get<u64>(1, true);
    h.arena_capacity = arena_bytes;
    h.error = bufs.template get<unsigned>(1, true);
    unsigned* d_next = bufs.template get<unsigned>(1, true);

    DeviceLeaves out;
    std::vector<uint8_t> h_arena;
    std::vector<u64> h_stats(kStatWords);
    unsigned err = 0;
    const uint64_t min_batch = std::max<uint64_t>(1, opt.min_batch_items ? opt.min_batch_items
                                                                         : std::min<size_t>(threads, UINT32_MAX));
    const uint64_t max_batch = std::max<uint64_t>(min_batch, opt.max_batch_items);
    uint64_t batch = min_batch;
    for (uint64_t first = 0; first < total;) {
      const uint64_t end = total - first > batch ? first + batch : total;
      const auto t0 = std::chrono::steady_clock::now();
      ops.zero(d_next, sizeof(unsigned));
      launch(static_cast<const DeviceHistogram&>(h), d_next, first, end);
      ops.download(&err, h.error, sizeof err);
      if (err) break;
      const double took = seconds_since(t0);

      // Drain the arena: its records of this batch go to the host map, and it starts empty again.
      u64 arena_used = 0;
      ops.download(&arena_used, h.arena_used, sizeof arena_used);
      if (arena_used) {
        h_arena.resize(arena_used);
        ops.download(h_arena.data(), h.arena, arena_used);
        parse_arena(h_arena.data(), arena_used, out.long_outputs);
        ++out.arena_drains;
        ops.zero(h.arena_used, sizeof(u64));
      }
      // Drain the hash once a quarter full, so the next batch has room for slots/4 new keys.
      unsigned keys_used = 0;
      ops.download(&keys_used, h.keys_used, sizeof keys_used);
      if (keys_used > slots / 4) {
        ops.drain_hash(h, slots, out.packed);
        ops.zero(h.keys, slots * sizeof(u64));
        ops.zero(h.counts, 2 * static_cast<size_t>(slots) * sizeof(u64));
        ops.zero(h.keys_used, sizeof(unsigned));
      }

      if (progress && end > reported &&
          (end == total || seconds_since(last_report) >= opt.batch_seconds)) {
        ops.download(h_stats.data(), h.stats, kStatWords * sizeof(u64));
        DeviceProgress p;
        p.items_done = end;
        p.nodes = h_stats[kStatNodes];
        p.steps = h_stats[kStatSteps];
        p.covered = u128_at(&h_stats[kStatHalting]) + u128_at(&h_stats[kStatProved]) + u128_at(&h_stats[kStatCutoff]);
        reported = end;
        last_report = std::chrono::steady_clock::now();
        if (!progress(p))
          throw Cancelled(std::string(task) + " cancelled after " + std::to_string(end) + " of " + std::to_string(total) +
                          " " + unit);
      }
      // Next batch: about batch_seconds of work at this batch's rate, within [min, max].
      const double rate = static_cast<double>(end - first) / std::max(took, 1e-6);
      const double want = std::min<double>(static_cast<double>(max_batch),
                                           std::max<double>(static_cast<double>(min_batch), rate * opt.batch_seconds));
      batch = static_cast<uint64_t>(want);
      first = end;
    }
    if (err) {
      if (err & kHashFull) slots = slots <= (1u << 29) ? slots * 4 : slots;
      if (err & kArenaFull) arena_bytes *= 4;
      continue;
    }

    ops.drain_hash(h, slots, out.packed);
    std::vector<u64> h_hist(hist_words);
    ops.download(h_stats.data(), h.stats, kStatWords * sizeof(u64));
    ops.download(h_hist.data(), h.hist, hist_words * sizeof(u64));
    out.halting = u128_at(&h_stats[kStatHalting]);
    out.proved = u128_at(&h_stats[kStatProved]);
    out.cutoff_runs = u128_at(&h_stats[kStatCutoff]);
    out.nodes = h_stats[kStatNodes];
    out.steps = h_stats[kStatSteps];
    out.attempts = attempt + 1;
    out.halt_time.assign(cutoff + 1, 0);
    for (uint32_t t = 0; t <= cutoff; ++t) out.halt_time[t] = u128_at(&h_hist[2 * static_cast<size_t>(t)]);
    return out;
  }
  throw Error("CUDA backend: one batch overflowed the output hash (" + std::to_string(slots) + " slots) or the " +
              "long-output arena (" + std::to_string(arena_bytes >> 20) + " MiB) " + std::to_string(opt.attempts) +
              " times; use --backend cpu");
}

// The tree walk of geometry Geo: items and their cells flattened and uploaded, then walk_items<Geo>()
// in batches of drive_device_batches(); the leaves are Geo::pack() keys and arena records.
template <class Geo, class Ops>
DeviceLeaves drive_device_walk(Ops& ops, const Space& space, uint32_t cutoff,
                               const std::vector<const WorkItemOf<Geo>*>& items, const DeviceWalkOptions& opt,
                               const DeviceProgressFn& progress) {
  // Item indices are u32 on the device, and the queue counter may run a few thousand past the end.
  if (items.size() > (1u << 31)) throw Error("CUDA backend: too many work items (" + std::to_string(items.size()) + ")");
  std::vector<DeviceItem<Geo>> h_items(items.size());
  std::vector<uint8_t> h_cells;
  for (size_t i = 0; i < items.size(); ++i) {
    if (h_cells.size() + items[i]->cells.size() > UINT32_MAX) throw Error("CUDA backend: item cells exceed 4 GiB");
    h_items[i] = DeviceItem<Geo>{items[i]->machine, items[i]->run, items[i]->multiplicity,
                                 static_cast<uint32_t>(h_cells.size()), static_cast<uint32_t>(items[i]->cells.size())};
    h_cells.insert(h_cells.end(), items[i]->cells.begin(), items[i]->cells.end());
  }
  const std::vector<count_t> pow = space.option_powers();

  DeviceBuffers<Ops> run_buffers(ops);
  DeviceItem<Geo>* d_items = run_buffers.template get<DeviceItem<Geo>>(h_items.size(), false);
  uint8_t* d_cells = run_buffers.template get<uint8_t>(h_cells.size(), false);
  count_t* d_pow = run_buffers.template get<count_t>(pow.size(), false);
  if (!h_items.empty()) ops.upload(d_items, h_items.data(), h_items.size() * sizeof(DeviceItem<Geo>));
  if (!h_cells.empty()) ops.upload(d_cells, h_cells.data(), h_cells.size());
  ops.upload(d_pow, pow.data(), pow.size() * sizeof(count_t));

  const ThreadMemoryLayout<Geo> lay = thread_memory_layout<Geo>(space.entries(), cutoff);
  const size_t threads = ops.prepare(lay);
  uint8_t* d_memory = run_buffers.template get<uint8_t>(threads * lay.per_thread, false);  // written before read
  const WalkConfig cfg{space.states, space.symbols, cutoff, d_pow, 0};
  return drive_device_batches(ops, items.size(), threads, cutoff, opt, progress, Geo::kTask, "work items",
                              [&](const DeviceHistogram& h, unsigned* d_next, uint64_t first, uint64_t end) {
                                ops.launch(h, d_next, d_items, d_cells, static_cast<uint32_t>(first),
                                           static_cast<uint32_t>(end), cfg, lay, d_memory);
                              });
}

// Sampling machines [start, start + machines) of cfg's seed: batches of machine indices, the same
// histogram, drains and retries as the walk. Ops adds
//   size_t prepare_sample(size_t bytes_per_thread, uint32_t cutoff)   number of sampling threads
//   void launch_sample(const DeviceHistogram&, unsigned* next, uint64_t first, uint64_t end,
//                      const SampleConfig&, size_t bytes_per_thread, uint8_t* memory)
//       runs sample_items() on every thread over machine indices [first, end)
template <class Ops>
DeviceLeaves drive_device_sample(Ops& ops, const SampleConfig& cfg, uint64_t start, uint64_t machines,
                                 const DeviceWalkOptions& opt, const DeviceProgressFn& progress) {
  if (cfg.n * cfg.k > kMaxDeviceSampledEntries)
    throw Error("CUDA sampler: at most " + std::to_string(kMaxDeviceSampledEntries) + " entries (n*k), got " +
                std::to_string(cfg.n * cfg.k));
  const size_t per_thread = sample_bytes_per_thread(cfg);
  const size_t threads = ops.prepare_sample(per_thread, cfg.cutoff);
  DeviceBuffers<Ops> run_buffers(ops);
  uint8_t* d_memory = run_buffers.template get<uint8_t>(threads * per_thread, false);  // written before read
  return drive_device_batches(ops, machines, threads, cfg.cutoff, opt, progress, "sampling", "machines",
                              [&](const DeviceHistogram& h, unsigned* d_next, uint64_t first, uint64_t end) {
                                ops.launch_sample(h, d_next, start + first, start + end, cfg, per_thread, d_memory);
                              });
}

}  // namespace ctm::detail
