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

// One attempt's device histogram (device_histogram.hpp) and what the host does with it between
// launches, shared by the batch loop below and the wavefront (wavefront_driver.hpp): after every
// launch the long-output arena is drained into the host map and the hash once it is a quarter full;
// at the end the hash, totals and halting times are read back. An overflow (error bits) voids the
// attempt: grow_after_overflow() sizes the next one.
template <class Ops>
class HistogramAttempt {
 public:
  using u64 = hd::u64;
  HistogramAttempt(Ops& ops, uint32_t slots, u64 arena_bytes, uint32_t cutoff)
      : ops_(ops), bufs_(ops), slots_(slots), hist_words_(2 * (static_cast<size_t>(cutoff) + 1)), cutoff_(cutoff) {
    h_.keys = bufs_.template get<u64>(slots, true);
    h_.counts = bufs_.template get<u64>(2 * static_cast<size_t>(slots), true);
    h_.mask = slots - 1;
    h_.shift = hash_shift_for(slots);
    h_.max_keys = slots / 2;
    h_.keys_used = bufs_.template get<unsigned>(1, true);
    h_.stats = bufs_.template get<u64>(kStatWords, true);
    h_.hist = bufs_.template get<u64>(hist_words_, true);
    h_.arena = bufs_.template get<uint8_t>(arena_bytes, false);
    h_.arena_used = bufs_.template get<u64>(1, true);
    h_.arena_capacity = arena_bytes;
    h_.error = bufs_.template get<unsigned>(1, true);
  }
  const DeviceHistogram& hist() const { return h_; }
  // The DeviceError bits the launches set so far (0: the attempt is still good).
  unsigned error() {
    unsigned err = 0;
    ops_.download(&err, h_.error, sizeof err);
    return err;
  }
  // After a launch: returns its error bits; when 0, drains the arena and (a quarter full) the hash.
  unsigned after_launch() {
    const unsigned err = error();
    if (err) return err;
    u64 arena_used = 0;
    ops_.download(&arena_used, h_.arena_used, sizeof arena_used);
    if (arena_used) {
      h_arena_.resize(arena_used);
      ops_.download(h_arena_.data(), h_.arena, arena_used);
      parse_arena(h_arena_.data(), arena_used, out_.long_outputs);
      ++out_.arena_drains;
      ops_.zero(h_.arena_used, sizeof(u64));
    }
    // Drain the hash once a quarter full, so the next launch has room for slots/4 new keys.
    unsigned keys_used = 0;
    ops_.download(&keys_used, h_.keys_used, sizeof keys_used);
    if (keys_used > slots_ / 4) {
      ops_.drain_hash(h_, slots_, out_.packed);
      ops_.zero(h_.keys, slots_ * sizeof(u64));
      ops_.zero(h_.counts, 2 * static_cast<size_t>(slots_) * sizeof(u64));
      ops_.zero(h_.keys_used, sizeof(unsigned));
    }
    return 0;
  }
  // The running totals (DeviceStat layout), for progress lines.
  void stats(std::vector<u64>& words) {
    words.resize(kStatWords);
    ops_.download(words.data(), h_.stats, kStatWords * sizeof(u64));
  }
  // Everything the attempt counted (after the last launch's after_launch() returned 0).
  DeviceLeaves finish(int attempt) {
    ops_.drain_hash(h_, slots_, out_.packed);
    std::vector<u64> h_stats, h_hist(hist_words_);
    stats(h_stats);
    ops_.download(h_hist.data(), h_.hist, hist_words_ * sizeof(u64));
    out_.halting = u128_at(&h_stats[kStatHalting]);
    out_.proved = u128_at(&h_stats[kStatProved]);
    out_.cutoff_runs = u128_at(&h_stats[kStatCutoff]);
    out_.nodes = h_stats[kStatNodes];
    out_.steps = h_stats[kStatSteps];
    out_.attempts = attempt + 1;
    out_.halt_time.assign(cutoff_ + 1, 0);
    for (uint32_t t = 0; t <= cutoff_; ++t) out_.halt_time[t] = u128_at(&h_hist[2 * static_cast<size_t>(t)]);
    return std::move(out_);
  }

 private:
  Ops& ops_;
  DeviceBuffers<Ops> bufs_;
  DeviceHistogram h_{};
  uint32_t slots_;
  size_t hist_words_;
  uint32_t cutoff_;
  DeviceLeaves out_;
  std::vector<uint8_t> h_arena_;
};

// The first attempt's sizes (checked), and the next attempt's after an overflow: what overflowed, 4x.
inline void check_histogram_sizes(uint32_t slots) {
  if (slots & (slots - 1)) throw Error("CUDA backend: hash slots must be a power of 2 (got " + std::to_string(slots) + ")");
}
inline void grow_after_overflow(unsigned err, uint32_t& slots, hd::u64& arena_bytes) {
  if (err & kHashFull) slots = slots <= (1u << 29) ? slots * 4 : slots;
  if (err & kArenaFull) arena_bytes *= 4;
}
inline Error histogram_overflow_error(uint32_t slots, hd::u64 arena_bytes, int attempts) {
  return Error("CUDA backend: one batch overflowed the output hash (" + std::to_string(slots) + " slots) or the " +
               "long-output arena (" + std::to_string(arena_bytes >> 20) + " MiB) " + std::to_string(attempts) +
               " times; use --backend cpu");
}

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
  uint32_t slots = std::max<uint32_t>(opt.initial_slots, 2);
  check_histogram_sizes(slots);
  u64 arena_bytes = std::max<u64>(opt.initial_arena_bytes, 64);
  uint64_t reported = 0;  // progress never goes back when an attempt is redone
  auto last_report = std::chrono::steady_clock::now();
  for (int attempt = 0; attempt < std::max(opt.attempts, 1); ++attempt) {
    HistogramAttempt<Ops> hist(ops, slots, arena_bytes, cutoff);
    DeviceBuffers<Ops> bufs(ops);
    unsigned* d_next = bufs.template get<unsigned>(1, true);
    std::vector<u64> h_stats;
    unsigned err = 0;
    const uint64_t min_batch = std::max<uint64_t>(1, opt.min_batch_items ? opt.min_batch_items
                                                                         : std::min<size_t>(threads, UINT32_MAX));
    const uint64_t max_batch = std::max<uint64_t>(min_batch, opt.max_batch_items);
    uint64_t batch = min_batch;
    for (uint64_t first = 0; first < total;) {
      const uint64_t end = total - first > batch ? first + batch : total;
      const auto t0 = std::chrono::steady_clock::now();
      ops.zero(d_next, sizeof(unsigned));
      launch(hist.hist(), d_next, first, end);
      err = hist.after_launch();
      if (err) break;
      const double took = seconds_since(t0);

      if (progress && end > reported &&
          (end == total || seconds_since(last_report) >= opt.batch_seconds)) {
        hist.stats(h_stats);
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
      grow_after_overflow(err, slots, arena_bytes);
      continue;
    }
    return hist.finish(attempt);
  }
  throw histogram_overflow_error(slots, arena_bytes, opt.attempts);
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
