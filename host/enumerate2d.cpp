// Exact enumeration of (n,k)_2D on the CPU (spec section 4): frontier, threads and shards as in 1D,
// the walk of include/ctm/tm2d.hpp, then the 4 rotations and the blank symbols applied to the leaves.
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
#include "ctm/tm2d.hpp"
#include "ctm/version.hpp"

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
    pow_.assign(space.entries() + 1, 1);
    for (int i = 1; i <= space.entries(); ++i) pow_[i] = pow_[i - 1] * static_cast<count_t>(space.options_per_entry());
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
    bool cancelled() { return ex.cancel_ && (ex.acc_.nodes & 0xfff) == 0 && ex.cancel_->load(std::memory_order_relaxed); }
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

}  // namespace

Table enumerate_2d_cpu(const EnumerateOptions& opt, uint32_t cutoff) {
  const auto start = std::chrono::steady_clock::now();
  const Space& space = opt.space;
  if (cutoff > 4096) throw Error("2D cutoff too large for the CPU grid (got " + std::to_string(cutoff) + ", at most 4096)");
  const int depth = opt.frontier_depth > 0 ? opt.frontier_depth : std::min(space.entries() - 1, 4);

  // The frontier depends on the space only, so every shard and thread count sees the same items.
  Accumulator2d root_acc(space.symbols, cutoff), prefix_acc(space.symbols, cutoff);
  std::vector<WorkItem2d> items;
  const WorkItem2d root = Explorer2d::root(space);
  Explorer2d(space, cutoff, root_acc).count_root_halting(root);
  {
    Explorer2d prefix(space, cutoff, prefix_acc);
    prefix.collect_frontier(&items, std::max(depth, 1));
    prefix.expand(root, /*skip_halting=*/true, /*east_only=*/true);
  }
  std::vector<const WorkItem2d*> mine;
  for (size_t i = 0; i < items.size(); ++i)
    if (i % opt.shard_count == opt.shard_index) mine.push_back(&items[i]);

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
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

  Accumulator2d east_first(space.symbols, cutoff), unrotated(space.symbols, cutoff);
  for (const auto& a : accs) east_first.merge(a);
  if (opt.shard_index == 0) {
    east_first.merge(prefix_acc);
    unrotated.merge(root_acc);
  }
  Table t = symmetrize_2d(space, cutoff, unrotated, east_first);
  t.meta.backend = "cpu";
  t.meta.code_version = kVersion;
  t.meta.shard_index = opt.shard_index;
  t.meta.shard_count = opt.shard_count;
  t.meta.work_items_done = mine.size();
  t.meta.work_items_total = items.size();
  t.meta.wall_seconds = elapsed();
  return t;
}

}  // namespace ctm::detail
