// The device executor of the wavefront (wavefront_backend.hpp), written once for the real GPU
// (kernels/wavefront.cu) and for the host emulation the CPU tests run (tests/test_wavefront.cpp):
// the levels' nodes stay in device memory; a launch is the level kernel (wave_level_lanes), an
// exclusive scan of the child counts, and the children kernel (wave_write_children) writing into
// the next level. The histogram, its drains and the overflow retry are device_driver.hpp's.
// Internal to host/, kernels/ and tests/. C++17 (nvcc compiles it).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "core/wavefront_device.hpp"
#include "device_driver.hpp"
#include "wavefront_backend.hpp"

namespace ctm::detail {

// Ops of device_driver.hpp (alloc, release, upload, download, zero, drain_hash) plus:
//   void copy(void* d, const void* s, size_t n)                    device to device
//   template <int Words> void launch_wave_level(const DeviceHistogram&, unsigned* next, const WaveNode* nodes,
//       uint32_t count, const WaveLevelConfig&, uint32_t* child_counts, WaveBranch* branch)
//       runs wave_level_lanes<Words>() on every persistent thread and returns when all are done
//   void exclusive_sum(const uint32_t* in, uint32_t* out, uint32_t n)   out[i] = in[0] + ... + in[i-1]
//   void launch_wave_children(const WaveNode* nodes, uint32_t count, uint32_t max_children,
//       const uint32_t* child_counts, const uint32_t* offsets, const WaveBranch* branch, WaveNode* out)
//       runs wave_write_children() over all (node, child) pairs

// Thrown by a launch whose histogram overflowed: the attempt is void.
struct WaveAttemptVoid {
  unsigned error;
};

template <class Ops, int Words>
class DeviceWaveExecutor final : public WaveExecutor {
 public:
  DeviceWaveExecutor(Ops& ops, HistogramAttempt<Ops>& hist, const WaveDeviceConfig& cfg, const count_t* d_pow)
      : ops_(ops), hist_(hist), launch_nodes_(std::max<uint32_t>(cfg.launch_nodes, 1)),
        max_children_(max_child_count(cfg.space.states, cfg.space.symbols)),
        levels_(static_cast<size_t>(cfg.space.entries()) + 2) {
    level_cfg_ = WaveLevelConfig{cfg.cutoff, cfg.proofs, cfg.space.symbols, cfg.cycle_proof, d_pow};
    DeviceBuffers<Ops>& b = scratch_;
    d_next_ = b.template get<unsigned>(1, true);
    d_counts_ = b.template get<uint32_t>(static_cast<size_t>(launch_nodes_) + 1, false);
    d_offsets_ = b.template get<uint32_t>(static_cast<size_t>(launch_nodes_) + 1, false);
    d_branch_ = b.template get<WaveBranch>(launch_nodes_, false);
  }
  ~DeviceWaveExecutor() override {
    for (Level& l : levels_)
      if (l.d_nodes) ops_.release(l.d_nodes);
  }
  DeviceWaveExecutor(const DeviceWaveExecutor&) = delete;
  DeviceWaveExecutor& operator=(const DeviceWaveExecutor&) = delete;

  void append(int level, const std::vector<WaveNode>& nodes) override {
    Level& l = at(level);
    reserve(l, l.size + nodes.size());
    if (!nodes.empty()) ops_.upload(l.d_nodes + l.size, nodes.data(), nodes.size() * sizeof(WaveNode));
    l.size += nodes.size();
  }

  uint64_t launch(int level, uint64_t from, uint64_t to, const WaveLevelRule& rule) override {
    if (!rule.leaves || rule.shard_level)
      throw Error("wavefront device executor: only levels below the shard depth run on the device (level " +
                  std::to_string(level) + ")");
    Level& l = at(level);
    Level& next = at(level + 1);
    if (to > l.size || from > to || to - from > launch_nodes_)
      throw Error("wavefront device executor: launch [" + std::to_string(from) + ", " + std::to_string(to) +
                  ") of a level of " + std::to_string(l.size) + " nodes (at most " + std::to_string(launch_nodes_) +
                  " a launch)");
    const uint32_t count = static_cast<uint32_t>(to - from);
    if (count == 0) return 0;
    const WaveNode* d_nodes = l.d_nodes + from;
    ops_.zero(d_next_, sizeof(unsigned));
    ops_.zero(d_counts_ + count, sizeof(uint32_t));  // the scan's last element gives the total
    ops_.template launch_wave_level<Words>(hist_.hist(), d_next_, d_nodes, count, level_cfg_, d_counts_, d_branch_);
    if (const unsigned err = hist_.after_launch()) throw WaveAttemptVoid{err};
    ops_.exclusive_sum(d_counts_, d_offsets_, count + 1);
    uint32_t total = 0;
    ops_.download(&total, d_offsets_ + count, sizeof total);
    if (total) {
      reserve(next, next.size + total);
      ops_.launch_wave_children(d_nodes, count, max_children_, d_counts_, d_offsets_, d_branch_, next.d_nodes + next.size);
      next.size += total;
    }
    return total;
  }

  void clear(int level) override { at(level).size = 0; }  // the memory is kept for the next visit

  Totals totals() override {
    std::vector<hd::u64> words;
    hist_.stats(words);
    // Every device leaf is right-first (the root's level stays on the CPU): it stands for its mirror too.
    return Totals{words[kStatNodes],
                  2 * (u128_at(&words[kStatHalting]) + u128_at(&words[kStatProved]) + u128_at(&words[kStatCutoff]))};
  }

 private:
  struct Level {
    WaveNode* d_nodes = nullptr;
    uint64_t size = 0, capacity = 0;
  };
  Level& at(int level) {
    if (level < 0 || static_cast<size_t>(level) >= levels_.size())
      throw Error("wavefront device executor: no level " + std::to_string(level));
    return levels_[static_cast<size_t>(level)];
  }
  // Room for n nodes in the level, its nodes kept (a level is only ever appended to until cleared).
  void reserve(Level& l, uint64_t n) {
    if (n <= l.capacity) return;
    const uint64_t cap = std::max<uint64_t>(n, l.capacity + l.capacity / 2);
    WaveNode* d = static_cast<WaveNode*>(ops_.alloc(cap * sizeof(WaveNode)));
    if (l.size) ops_.copy(d, l.d_nodes, l.size * sizeof(WaveNode));
    if (l.d_nodes) ops_.release(l.d_nodes);
    l.d_nodes = d;
    l.capacity = cap;
  }

  Ops& ops_;
  HistogramAttempt<Ops>& hist_;
  uint32_t launch_nodes_, max_children_;
  WaveLevelConfig level_cfg_{};
  std::vector<Level> levels_;
  DeviceBuffers<Ops> scratch_{ops_};
  unsigned* d_next_ = nullptr;
  uint32_t *d_counts_ = nullptr, *d_offsets_ = nullptr;
  WaveBranch* d_branch_ = nullptr;
};

// The device wavefront: attempts of `levels(executor)`, each with a fresh histogram; an attempt
// whose launch overflowed the hash or the arena is void and is run again with that buffer 4x larger,
// as the walk's batch loop does. The tape size (Words) is the smallest that holds the cutoff's run.
template <class Ops>
DeviceLeaves drive_device_wavefront(Ops& ops, const WaveDeviceConfig& cfg, const DeviceWalkOptions& opt,
                                    const std::function<void(WaveExecutor&)>& levels) {
  uint32_t slots = std::max<uint32_t>(opt.initial_slots, 2);
  check_histogram_sizes(slots);
  hd::u64 arena_bytes = std::max<hd::u64>(opt.initial_arena_bytes, 64);
  if (cfg.launch_nodes > (1u << 26))  // counts and offsets are u32: at most 2^26 nodes x 2nk children
    throw Error("wavefront: at most 2^26 nodes a launch (got " + std::to_string(cfg.launch_nodes) + ")");
  const std::vector<count_t> pow = cfg.space.option_powers();
  DeviceBuffers<Ops> run_buffers(ops);
  count_t* d_pow = run_buffers.template get<count_t>(pow.size(), false);
  ops.upload(d_pow, pow.data(), pow.size() * sizeof(count_t));
  const int k = cfg.space.symbols;
  for (int attempt = 0; attempt < std::max(opt.attempts, 1); ++attempt) {
    HistogramAttempt<Ops> hist(ops, slots, arena_bytes, cfg.cutoff);
    try {
      if (WaveTape<32>::fits(k, cfg.cutoff)) {
        DeviceWaveExecutor<Ops, 32> ex(ops, hist, cfg, d_pow);
        levels(ex);
      } else if (WaveTape<64>::fits(k, cfg.cutoff)) {
        DeviceWaveExecutor<Ops, 64> ex(ops, hist, cfg, d_pow);
        levels(ex);
      } else if (WaveTape<128>::fits(k, cfg.cutoff)) {
        DeviceWaveExecutor<Ops, 128> ex(ops, hist, cfg, d_pow);
        levels(ex);
      } else if (WaveTape<256>::fits(k, cfg.cutoff)) {
        DeviceWaveExecutor<Ops, 256> ex(ops, hist, cfg, d_pow);
        levels(ex);
      } else {
        throw Error("wavefront: cutoff " + std::to_string(cfg.cutoff) + " needs more than the largest lane tape (" +
                    std::to_string(WaveTape<256>::capacity(tape_bits(k))) + " cells for k=" + std::to_string(k) + ")");
      }
    } catch (const WaveAttemptVoid& v) {
      grow_after_overflow(v.error, slots, arena_bytes);
      continue;
    }
    return hist.finish(attempt);
  }
  throw histogram_overflow_error(slots, arena_bytes, opt.attempts);
}

}  // namespace ctm::detail
