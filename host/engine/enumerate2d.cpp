// Exact enumeration of (n,k)_2D on the CPU (spec section 4): frontier, threads and shards as in 1D,
// the walk of kernels/core/tm2d.hpp, then the 4 rotations and the blank symbols applied to the leaves.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "parallel.hpp"
#include "accumulator.hpp"
#include "ctm/enumerate.hpp"
#include "ctm/grid_key.hpp"
#include "core/limits.hpp"
#include "core/tm2d.hpp"
#include "ctm/limits.hpp"
#include "ctm/version.hpp"
#include "cuda_backend.hpp"

namespace ctm::detail {
namespace {

// Leaves on blank 0: outputs keyed by a packed integer when the box fits 51 bits (pack_grid_output
// in tm2d.hpp), else by their text key.
struct Accumulator2d {
  Accumulator2d(int k, uint32_t cutoff) : symbols(k), bits(bits_per_symbol(k)), halt_time(cutoff + 1, 0) {}
  int symbols, bits;
  FlatCountMap packed;
  std::unordered_map<std::string, count_t> long_outputs;
  count_t halting = 0, proved = 0, cutoff_runs = 0;
  std::vector<count_t> halt_time;
  uint64_t nodes = 0, steps = 0;

  // The box of `r` in g with the head cell replaced by head_value; rows reversed when `reflect`.
  void add(const Grid& g, const RunState2d& r, uint8_t head_value, bool reflect, count_t weight) {
    const int h = box_height(r);
    auto cell = [&](int32_t x, int32_t y) { return (x == r.x && y == r.y) ? head_value : g.at(x, y); };
    if (const uint64_t key = pack_grid_output(g, r, head_value, reflect, bits)) {
      packed.add(key, weight);
    } else {
      std::vector<std::string> rows;
      for (int i = 0; i < h; ++i) {
        const int32_t y = reflect ? r.y_hi - i : r.y_lo + i;
        std::string row;
        for (int32_t x = r.x_lo; x <= r.x_hi; ++x) row += symbol_char(cell(x, y));
        rows.push_back(row);
      }
      long_outputs[join_grid_key(rows)] += weight;
    }
  }
  void merge(const Accumulator2d& o) {
    o.packed.for_each([&](uint64_t key, count_t v) { packed.add(key, v); });
    for (const auto& [s, v] : o.long_outputs) long_outputs[s] += v;
    halting += o.halting;
    proved += o.proved;
    cutoff_runs += o.cutoff_runs;
    for (size_t t = 0; t < halt_time.size() && t < o.halt_time.size(); ++t) halt_time[t] += o.halt_time[t];
    nodes += o.nodes;
    steps += o.steps;
  }
  std::unordered_map<std::string, count_t> outputs() const {
    std::unordered_map<std::string, count_t> out(long_outputs.begin(), long_outputs.end());
    packed.for_each([&](uint64_t key, count_t v) { out[grid_key_of_packed(key, bits)] += v; });
    return out;
  }
};

struct WorkItem2d {
  PartialMachine machine;
  RunState2d run;
  count_t multiplicity;
  std::vector<uint8_t> box;  // bounding-box cells, row-major
};

class Explorer2d {
 public:
  Explorer2d(const Space& space, uint32_t cutoff, Accumulator2d& acc) : space_(space), cutoff_(cutoff), acc_(acc) {
    pow_ = space.option_powers();
    const int32_t shift = grid_shift_for(cutoff);
    const size_t cells = static_cast<size_t>(1) << (2 * shift);
    const int levels = space.entries() + 2;
    grids_.assign(levels * cells, 0);
    scratch_.assign(cells, 0);
    frames_.resize(levels);
    mem_ = WalkMemory2d{grids_.data(), shift, frames_.data(), ProofScratch2d{scratch_.data(), static_cast<int32_t>(cells)}};
  }

  void collect_frontier(std::vector<WorkItem2d>* out, int depth) { frontier_ = out; depth_ = depth; }
  void set_cancel_flag(const std::atomic<bool>* flag) { cancel_ = flag; }

  void expand(const WorkItem2d& item, bool skip_halting = false, bool east_only = false) {
    buffer_to_box(mem_.grid(0), item.box.data(), item.run);
    const WalkConfig2d cfg{space_.states, space_.symbols, cutoff_, pow_.data(), frontier_ ? depth_ : 0};
    Sink sink{*this};
    walk_subtree_2d(cfg, item.machine, item.run, item.multiplicity, skip_halting, east_only, mem_, sink);
  }

  // Only the halting leaves of the root (step 1): 1x1 outputs, counted without rotations.
  void count_root_halting(const WorkItem2d& root) {
    buffer_to_box(mem_.grid(0), root.box.data(), root.run);
    WalkFrame2d f{};
    f.m = root.machine;
    f.r = root.run;
    Sink{*this}.halting(mem_.grid(0), root.run, f, pow_[space_.entries() - 1], 1, false);
  }

  static WorkItem2d root(const Space& space) {
    WorkItem2d w{};
    w.machine.n = static_cast<uint8_t>(space.states);
    w.machine.k = static_cast<uint8_t>(space.symbols);
    w.machine.used_states = 1;
    w.run = RunState2d{0, 0, 0, 0, 0, 0, 0, 0};
    w.multiplicity = 1;
    w.box.assign(1, 0);
    return w;
  }

 private:
  struct Sink {
    Explorer2d& ex;
    void node() { ex.acc_.nodes++; }
    void halting(const Grid& g, const RunState2d& r, const WalkFrame2d&, count_t weight, uint32_t step, bool reflected_too) {
      const int k = ex.space_.symbols;
      for (int w = 0; w < k; ++w) {
        ex.acc_.add(g, r, static_cast<uint8_t>(w), false, weight);
        if (reflected_too) ex.acc_.add(g, r, static_cast<uint8_t>(w), true, weight);
      }
      const count_t runs = weight * static_cast<count_t>(k) * (reflected_too ? 2 : 1);
      ex.acc_.halt_time[step] += runs;
      ex.acc_.halting += runs;
    }
    void cutoff(count_t weight) { ex.acc_.cutoff_runs += weight; }
    void proved(count_t weight) { ex.acc_.proved += weight; }
    void steps(uint32_t n) { ex.acc_.steps += n; }
    void frontier(const PartialMachine& m, const RunState2d& r, count_t mult, const Grid& g) {
      WorkItem2d item{m, r, mult, std::vector<uint8_t>(static_cast<size_t>(box_width(r)) * box_height(r))};
      box_to_buffer(item.box.data(), g, r);
      ex.frontier_->push_back(std::move(item));
    }
    bool cancelled() { return ex.cancel_ && (ex.acc_.nodes & kHostCancelPollMask) == 0 && ex.cancel_->load(std::memory_order_relaxed); }
  };

  Space space_;
  uint32_t cutoff_;
  Accumulator2d& acc_;
  std::vector<count_t> pow_;
  std::vector<uint8_t> grids_, scratch_;
  std::vector<WalkFrame2d> frames_;
  WalkMemory2d mem_{};
  std::vector<WorkItem2d>* frontier_ = nullptr;
  int depth_ = 0;
  const std::atomic<bool>* cancel_ = nullptr;
};

// Blank-0 leaves -> table: east-first leaves also count in the 3 other rotations, then every blank b.
Table symmetrize_2d(const Space& space, uint32_t cutoff, const Accumulator2d& unrotated, const Accumulator2d& east_first) {
  Table t;
  t.meta.space = space;
  t.meta.cutoff = cutoff;
  const count_t k = static_cast<count_t>(space.symbols);
  std::unordered_map<std::string, count_t> blank0 = unrotated.outputs();
  for (const auto& [s, c] : east_first.outputs()) {
    std::string r = s;
    for (int i = 0; i < 4; ++i) {
      blank0[r] += c;
      r = rotate_grid_key(r);
    }
  }
  for (const auto& [s, c] : blank0)
    for (int b = 0; b < space.symbols; ++b) t.counts[swap_symbols(s, 0, b)] += c;
  t.halting = k * (unrotated.halting + 4 * east_first.halting);
  t.nonhalting_proved = k * (unrotated.proved + 4 * east_first.proved);
  t.nonhalting_cutoff = k * (unrotated.cutoff_runs + 4 * east_first.cutoff_runs);
  t.machines = t.runs() / k;
  t.halt_time.assign(cutoff + 1, 0);
  for (uint32_t i = 0; i <= cutoff; ++i) t.halt_time[i] = k * (unrotated.halt_time[i] + 4 * east_first.halt_time[i]);
  t.meta.tree_nodes = unrotated.nodes + east_first.nodes;
  t.meta.simulated_steps = unrotated.steps + east_first.steps;
  return t;
}

// The root's and the prefix's leaves and the frontier items below the prefix: they depend on the
// space only, so every shard, thread count and backend sees the same items.
struct Frontier2d {
  Accumulator2d root;    // halting leaves of step 1, not rotated
  Accumulator2d prefix;  // leaves above the frontier in east-first subtrees
  std::vector<WorkItem2d> items;
};

void check_cutoff_2d(uint32_t cutoff) {
  if (cutoff > kMaxCutoff2d)
    throw Error("2D cutoff too large for the grid (got " + std::to_string(cutoff) + ", at most " + std::to_string(kMaxCutoff2d) + ")");
}

int frontier_depth_2d(const EnumerateOptions& opt) {
  return opt.frontier_depth > 0 ? opt.frontier_depth : std::min(opt.space.entries() - 1, 4);
}

Frontier2d build_frontier_2d(const Space& space, uint32_t cutoff, int depth) {
  Frontier2d f{Accumulator2d(space.symbols, cutoff), Accumulator2d(space.symbols, cutoff), {}};
  const WorkItem2d root = Explorer2d::root(space);
  Explorer2d(space, cutoff, f.root).count_root_halting(root);
  Explorer2d prefix(space, cutoff, f.prefix);
  prefix.collect_frontier(&f.items, std::max(depth, 1));
  prefix.expand(root, /*skip_halting=*/true, /*east_only=*/true);
  return f;
}

std::vector<const WorkItem2d*> shard_items_2d(const Frontier2d& f, const EnumerateOptions& opt) {
  std::vector<const WorkItem2d*> mine;
  for (size_t i = 0; i < f.items.size(); ++i)
    if (i % opt.shard_count == opt.shard_index) mine.push_back(&f.items[i]);
  return mine;
}

// Adds the frontier's own leaves (shard 0 only), symmetrises, and fills the metadata.
Table finish_2d(const EnumerateOptions& opt, uint32_t cutoff, const Frontier2d& f, Accumulator2d& east_first,
                size_t items_done, const char* backend, double seconds) {
  Accumulator2d unrotated(opt.space.symbols, cutoff);
  if (opt.shard_index == 0) {
    east_first.merge(f.prefix);
    unrotated.merge(f.root);
  }
  Table t = symmetrize_2d(opt.space, cutoff, unrotated, east_first);
  t.meta.backend = backend;
  t.meta.code_version = kVersion;
  t.meta.shard_index = opt.shard_index;
  t.meta.shard_count = opt.shard_count;
  t.meta.work_items_done = items_done;
  t.meta.work_items_total = f.items.size();
  t.meta.wall_seconds = seconds;
  return t;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Table enumerate_2d_cpu(const EnumerateOptions& opt, uint32_t cutoff) {
  const auto start = std::chrono::steady_clock::now();
  const Space& space = opt.space;
  check_cutoff_2d(cutoff);
  Frontier2d frontier = build_frontier_2d(space, cutoff, frontier_depth_2d(opt));
  const std::vector<const WorkItem2d*> mine = shard_items_2d(frontier, opt);

  const int threads = worker_threads(opt, mine.size());
  std::vector<Accumulator2d> accs(threads, Accumulator2d(space.symbols, cutoff));
  std::vector<Explorer2d> explorers;
  explorers.reserve(threads);
  std::atomic<bool> cancel{false};
  for (int i = 0; i < threads; ++i) {
    explorers.emplace_back(space, cutoff, accs[i]);
    explorers.back().set_cancel_flag(&cancel);
  }
  run_work_items(
      mine.size(), threads, opt, start, cancel, [&](int id, size_t i) { explorers[id].expand(*mine[i]); }, nullptr,
      "2D enumeration");

  Accumulator2d east_first(space.symbols, cutoff);
  for (const auto& a : accs) east_first.merge(a);
  return finish_2d(opt, cutoff, frontier, east_first, mine.size(), "cpu", seconds_since(start));
}

// The shard's items are split further on the CPU (their leaves above the split counted here, as in
// 1D's enumerate_device), flattened, and walked by `walk` with the same walk_subtree_2d(); the
// device's leaves are east-first leaves like the CPU threads'.
Table enumerate_2d_device(const EnumerateOptions& opt, uint32_t cutoff, const DeviceWalker2d& walk, const char* backend) {
  const auto start = std::chrono::steady_clock::now();
  const Space& space = opt.space;
  check_cutoff_2d(cutoff);
  const int base_depth = frontier_depth_2d(opt);
  Frontier2d frontier = build_frontier_2d(space, cutoff, base_depth);
  const std::vector<const WorkItem2d*> mine = shard_items_2d(frontier, opt);

  const int device_depth = opt.device_frontier_depth > 0 ? opt.device_frontier_depth
                                                         : std::min(space.entries() - 1, base_depth + 2);
  Accumulator2d east_first(space.symbols, cutoff);
  std::vector<WorkItem2d> split;
  std::vector<const WorkItem2d*> device_items;
  if (device_depth > base_depth) {
    Explorer2d splitter(space, cutoff, east_first);
    splitter.collect_frontier(&split, device_depth);
    for (const WorkItem2d* item : mine) splitter.expand(*item);
    for (const auto& item : split) device_items.push_back(&item);
  } else {
    device_items = mine;
  }
  std::vector<DeviceItem2d> items(device_items.size());
  std::vector<uint8_t> boxes;
  for (size_t i = 0; i < device_items.size(); ++i) {
    const WorkItem2d& w = *device_items[i];
    items[i] = DeviceItem2d{w.machine, w.run, w.multiplicity, static_cast<uint32_t>(boxes.size()),
                            static_cast<uint32_t>(w.box.size())};
    boxes.insert(boxes.end(), w.box.begin(), w.box.end());
  }
  const count_t split_covered = east_first.halting + east_first.proved + east_first.cutoff_runs;
  const DeviceLeaves leaves = walk(space, cutoff, items, boxes, [&](const DeviceProgress& d) {
    if (!opt.progress) return true;
    Progress p;
    p.items_done = d.items_done;
    p.items_total = items.size();
    p.tree_nodes = east_first.nodes + d.nodes;
    p.machines_covered = 4 * (split_covered + d.covered);  // east-first leaves stand for their 4 rotations
    p.elapsed_seconds = seconds_since(start);
    return opt.progress(p);
  });
  for (const auto& [key, c] : leaves.packed) east_first.packed.add(key, c);
  for (const auto& [s, c] : leaves.long_outputs) east_first.long_outputs[s] += c;
  east_first.halting += leaves.halting;
  east_first.proved += leaves.proved;
  east_first.cutoff_runs += leaves.cutoff_runs;
  for (uint32_t t = 0; t <= cutoff; ++t) east_first.halt_time[t] += leaves.halt_time[t];
  east_first.nodes += leaves.nodes;
  east_first.steps += leaves.steps;
  return finish_2d(opt, cutoff, frontier, east_first, mine.size(), backend, seconds_since(start));
}

#ifdef CTM_WITH_CUDA
Table enumerate_2d_cuda(const EnumerateOptions& opt, uint32_t cutoff) {
  DeviceWalkOptions walk_opt;
  walk_opt.device = opt.device;
  walk_opt.batch_seconds = opt.progress_interval > 0 ? opt.progress_interval : 0.5;
  return enumerate_2d_device(
      opt, cutoff,
      [&](const Space& space, uint32_t t, const std::vector<DeviceItem2d>& items, const std::vector<uint8_t>& boxes,
          const DeviceProgressFn& progress) { return walk_2d_on_device(space, t, items, boxes, walk_opt, progress); },
      "cuda");
}
#endif

}  // namespace ctm::detail
