// The level-synchronous wavefront: one level loop (run_levels) over an executor that runs launches
// of same-level nodes from the blank tape (run_node), counts their leaves and expands their readers
// of an undefined entry into the next level; the leaves are symmetrised as enumerate()'s. The CPU
// executor here measures the SIMT lane utilisation; the device one is kernels/wavefront_driver.hpp.
#include "wavefront.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <numeric>
#include <queue>
#include <string>

#include "core/wavefront.hpp"
#include "ctm/version.hpp"
#include "tree.hpp"

namespace ctm::detail {

LaneUtilisation lane_utilisation(const std::vector<uint32_t>& lane_steps) {
  LaneUtilisation u;
  for (size_t g = 0; g < lane_steps.size(); g += 32) {
    uint32_t longest = 0;
    for (size_t i = g; i < lane_steps.size() && i < g + 32; ++i) {
      u.useful += lane_steps[i];
      longest = std::max(longest, lane_steps[i]);
    }
    u.issued += 32ull * longest;
  }
  return u;
}

LaneUtilisation budgeted_utilisation(const std::vector<uint32_t>& lane_steps, uint32_t budget) {
  LaneUtilisation total;
  std::vector<uint32_t> left = lane_steps, round, next;
  while (!left.empty()) {
    round.clear();
    next.clear();
    for (uint32_t s : left) {
      round.push_back(std::min(s, budget));
      if (s > budget) next.push_back(s - budget);
    }
    total.add(lane_utilisation(round));
    left.swap(next);
  }
  return total;
}

LaneUtilisation restart_utilisation(const std::vector<uint32_t>& lane_steps, uint32_t budget) {
  LaneUtilisation total;
  std::vector<uint32_t> left = lane_steps, round, next;
  uint64_t cap = budget;
  while (!left.empty()) {
    round.clear();
    next.clear();
    for (uint32_t s : left) {
      round.push_back(static_cast<uint32_t>(std::min<uint64_t>(s, cap)));
      if (s > cap) next.push_back(s);
    }
    LaneUtilisation u = lane_utilisation(round);
    u.useful = 0;
    for (uint32_t s : left)
      if (s <= cap) u.useful += s;  // only finished runs count; the others start over
    total.add(u);
    left.swap(next);
    cap *= 4;
  }
  return total;
}

LaneUtilisation refill_utilisation(const std::vector<uint32_t>& lane_steps, uint32_t lanes) {
  LaneUtilisation u;
  if (lanes < 32 || lanes % 32) throw Error("refilling lanes must be a positive multiple of 32 (got " + std::to_string(lanes) + ")");
  // Earliest-free lane first (ties: lowest lane), as a queue handing out nodes in order would.
  using Slot = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Slot, std::vector<Slot>, std::greater<Slot>> free_at;
  for (uint32_t l = 0; l < lanes; ++l) free_at.push({0, l});
  std::vector<uint64_t> done(lanes, 0);
  for (uint32_t s : lane_steps) {
    const Slot slot = free_at.top();
    free_at.pop();
    done[slot.second] = slot.first + s;
    free_at.push({slot.first + s, slot.second});
    u.useful += s;
  }
  for (uint32_t w = 0; w < lanes; w += 32) u.issued += 32ull * *std::max_element(done.begin() + w, done.begin() + w + 32);
  return u;
}

namespace {

constexpr uint32_t kNoItem = 0xffffffffu;

// A node in the host's level lists, with the device work item it would belong to today.
struct Lane {
  WaveNode node;
  uint32_t item;
};

// The level loop, the one schedule of every executor: launches of up to launch_nodes nodes of the
// deepest level in [lowest, stop) that has nodes not run yet, their children appended to the next
// level, a level cleared once all of it ran. Children go to level lv + 1, which holds only the
// children of the current launches: deeper levels are always drained first, so every level is
// visited in the tree's order (which defines the shards) and memory stays bounded.
// after_launch (when set) is called after every launch.
void run_levels(WaveExecutor& ex, std::vector<uint64_t>& size, int lowest, int stop, uint32_t launch_nodes,
                const std::function<WaveLevelRule(int)>& rule, const std::function<void(WaveExecutor&)>& after_launch) {
  std::vector<uint64_t> cursor(size.size(), 0);
  for (;;) {
    int lv = stop - 1;
    while (lv >= lowest && cursor[lv] >= size[lv]) --lv;
    if (lv < lowest) break;
    const uint64_t from = cursor[lv], to = std::min<uint64_t>(size[lv], from + launch_nodes);
    size[lv + 1] += ex.launch(lv, from, to, rule(lv));
    cursor[lv] = to;
    if (to == size[lv]) { ex.clear(lv); size[lv] = 0; cursor[lv] = 0; }
    if (after_launch) after_launch(ex);
  }
}

// The progress callback between launches, at most every options.progress_interval seconds; the
// figures are the CPU executor's (`top`) plus, during the device part, the device executor's.
class ProgressReport {
 public:
  explicit ProgressReport(const WavefrontOptions& opt) : opt_(opt), start_(std::chrono::steady_clock::now()), last_(start_) {}
  std::function<void(WaveExecutor&)> hook(WaveExecutor& top, bool device) {
    if (!opt_.progress) return {};
    return [this, &top, device](WaveExecutor& ex) {
      const auto now = std::chrono::steady_clock::now();
      if (std::chrono::duration<double>(now - last_).count() < opt_.progress_interval) return;
      last_ = now;
      WaveExecutor::Totals t = top.totals();
      if (device) {
        const WaveExecutor::Totals d = ex.totals();
        t.nodes += d.nodes;
        t.covered += d.covered;
      }
      Progress p;
      p.tree_nodes = t.nodes;
      p.machines_covered = t.covered;
      p.elapsed_seconds = std::chrono::duration<double>(now - start_).count();
      if (!opt_.progress(p))
        throw Cancelled("wavefront enumeration cancelled after " + std::to_string(t.nodes) + " tree nodes");
    };
  }

 private:
  const WavefrontOptions& opt_;
  std::chrono::steady_clock::time_point start_, last_;
};

// The CPU emulation's executor: runs each launch's nodes one after another (run_node), their leaves
// into Accumulators, and records the lane utilisation of the launch's schedules.
template <int Words>
class CpuExecutor final : public WaveExecutor {
 public:
  CpuExecutor(const WavefrontOptions& opt, uint32_t cutoff, int item_depth)
      : opt_(opt), cutoff_(cutoff), k_(opt.space.symbols), pow_(opt.space.option_powers()),
        unmirrored_(k_, cutoff), right_first_(k_, cutoff), level_(static_cast<size_t>(opt.space.entries()) + 2) {
    proofs_.ngram_after = opt.ngram_after;
    proofs_.bouncer_after = opt.bouncer_after;
    report_.item_depth = item_depth;
  }

  void append(int level, const std::vector<WaveNode>& nodes) override {
    for (const WaveNode& w : nodes) level_[level].push_back(Lane{w, kNoItem});
  }
  uint64_t launch(int level, uint64_t from, uint64_t to, const WaveLevelRule& rule) override;
  void clear(int level) override {
    level_[level].clear();
    level_[level].shrink_to_fit();
  }
  Totals totals() override {
    auto covered = [](const Accumulator& a) { return a.halting + a.proved + a.cutoff_runs; };
    return Totals{unmirrored_.nodes + right_first_.nodes, covered(unmirrored_) + 2 * covered(right_first_)};
  }
  // The nodes of a level, handed to another executor (they leave this one).
  std::vector<WaveNode> take(int level) {
    std::vector<WaveNode> nodes;
    for (const Lane& l : level_[level]) nodes.push_back(l.node);
    clear(level);
    return nodes;
  }

  Accumulator& unmirrored() { return unmirrored_; }
  Accumulator& right_first() { return right_first_; }
  WavefrontReport& report() {
    // Today's design: one lane per item, in queue order, for the item's whole subtree.
    std::vector<uint32_t> item_lanes;
    for (uint64_t s : item_steps_) item_lanes.push_back(static_cast<uint32_t>(std::min<uint64_t>(s, 0xffffffffu)));
    report_.items = item_lanes.size();
    report_.per_item = lane_utilisation(item_lanes);
    return report_;
  }

 private:
  // The node's k halting leaves: its visited block with the head cell written 0..k-1, at step + 1.
  void add_halting(Accumulator& acc, const WaveNode& w, const NodeRun& r) {
    const count_t weight = halting_weight(w, pow_.data());
    for (int v = 0; v < k_; ++v) {
      if (const uint64_t key = wave_output_key(tape_, r, static_cast<uint8_t>(v), k_)) {
        acc.add_packed(key, weight);
      } else {
        cells_.clear();
        for (int32_t p = r.lo; p <= r.hi; ++p) cells_.push_back(static_cast<uint8_t>(tape_.get(p, tape_bits(k_))));
        const RunState block{r.head - r.lo, 0, r.hi - r.lo, r.steps, r.state, 0};  // the cells from index 0
        acc.add_output(cells_.data(), block, static_cast<uint8_t>(v), false, weight);
      }
    }
    acc.halt_time[r.steps + 1] += weight * static_cast<count_t>(k_);
    acc.halting += weight * static_cast<count_t>(k_);
  }
  void record(int lv, size_t count, uint64_t steps, uint32_t longest);

  const WavefrontOptions& opt_;
  uint32_t cutoff_;
  int k_;
  std::vector<count_t> pow_;
  Accumulator unmirrored_, right_first_;
  WaveProofs proofs_;
  uint64_t shard_counter_ = 0;
  WavefrontReport report_;
  std::vector<uint64_t> item_steps_;
  std::vector<std::vector<Lane>> level_;
  WaveTape<Words> tape_;
  WaveScratch<Words> scratch_;
  std::vector<uint32_t> steps_, parent_, sorted_;
  std::vector<uint8_t> cells_;
};

template <int Words>
uint64_t CpuExecutor<Words>::launch(int lv, uint64_t from, uint64_t to, const WaveLevelRule& rule) {
  const std::vector<Lane>& lanes = level_[lv];
  std::vector<Lane>& next = level_[lv + 1];
  const size_t before = next.size();
  uint64_t launch_steps = 0;
  uint32_t longest = 0;
  steps_.clear();
  parent_.clear();
  for (size_t i = from; i < to; ++i) {
    const Lane& lane = lanes[i];
    const WaveNode& w = lane.node;
    const NodeRun r = run_node(w, cutoff_, proofs_, tape_, opt_.cycle_proof ? &scratch_ : nullptr);
    steps_.push_back(r.steps);
    parent_.push_back(w.root ? 0 : w.parent_steps);
    launch_steps += r.steps;
    longest = std::max(longest, r.steps);
    const uint64_t resumed = w.root ? 0 : r.steps - w.parent_steps;
    report_.nodes++;
    report_.steps_from_blank += r.steps;
    report_.steps_resumed += resumed;
    if (lane.item != kNoItem) item_steps_[lane.item] += resumed;

    const bool branch = r.stop == static_cast<uint8_t>(StopReason::kUndefined);
    bool mine = rule.leaves, expand = branch;
    if (branch && rule.shard_level) {
      mine = expand = shard_counter_++ % rule.shard_count == rule.shard_index;
      report_.frontier_items++;
      if (mine) report_.frontier_items_mine++;
    }
    uint32_t item = lane.item;
    if (expand && lv == report_.item_depth) {
      item = static_cast<uint32_t>(item_steps_.size());
      item_steps_.push_back(0);
    }
    Accumulator& acc = w.root ? unmirrored_ : right_first_;
    // The shard depth's own runs are the frontier's (shard 0), their leaves and subtrees the items'.
    if (rule.leaves) acc.steps += resumed;
    if (mine) {
      if (branch) {
        acc.nodes++;
        add_halting(acc, w, r);
        if (last_free_entry(w)) acc.proved += all_children_weight(w);
      } else if (r.stop == static_cast<uint8_t>(StopReason::kCutoff)) {
        acc.cutoff_runs += settled_weight(w, pow_.data());
      } else {
        acc.proved += settled_weight(w, pow_.data());
      }
    }
    if (expand && !last_free_entry(w))
      for (int c = 0, count = child_count(w); c < count; ++c) next.push_back(Lane{make_child(w, r.entry, c, r.steps), item});
  }
  record(lv, to - from, launch_steps, longest);
  return next.size() - before;
}

// The launch's lane utilisation under each schedule (steps_ and parent_ hold its lanes).
template <int Words>
void CpuExecutor<Words>::record(int lv, size_t count, uint64_t steps, uint32_t longest) {
  WavefrontLaunch rec{lv, static_cast<uint32_t>(count), steps, longest, {}, {}, {}};
  rec.in_order = lane_utilisation(steps_);
  std::vector<size_t> order(steps_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return parent_[a] < parent_[b]; });
  sorted_.clear();
  for (size_t i : order) sorted_.push_back(steps_[i]);
  rec.sorted = lane_utilisation(sorted_);
  report_.in_order.add(rec.in_order);
  report_.sorted.add(rec.sorted);
  report_.budgeted.resize(opt_.budgets.size());
  report_.restarted.resize(opt_.budgets.size());
  for (size_t b = 0; b < opt_.budgets.size(); ++b) {
    report_.budgeted[b].add(budgeted_utilisation(steps_, opt_.budgets[b]));
    report_.restarted[b].add(restart_utilisation(steps_, opt_.budgets[b]));
  }
  rec.refill = refill_utilisation(steps_, opt_.refill_lanes);
  report_.refill.add(rec.refill);
  report_.launches.push_back(rec);
}

// The levels down to the shard depth (the frontier: small, and the shard rule needs the level's
// order) run on the CPU executor; the deeper ones on the same executor, or on options.device.
template <int Words>
WavefrontResult run_wavefront(const WavefrontOptions& opt, uint32_t cutoff) {
  const int nk = opt.space.entries();
  const int shard_depth = std::max(1, opt.frontier_depth > 0 ? opt.frontier_depth : default_frontier_depth_1d(opt.space));
  const int item_depth = std::min(nk - 1, shard_depth + 3);
  const bool shard0 = opt.shard_index == 0;
  auto rule = [&](int lv) {
    WaveLevelRule r;
    r.leaves = lv > shard_depth || shard0;
    r.shard_level = lv == shard_depth;
    r.shard_index = opt.shard_index;
    r.shard_count = opt.shard_count;
    return r;
  };
  CpuExecutor<Words> top(opt, cutoff, item_depth);
  std::vector<uint64_t> size(static_cast<size_t>(nk) + 2, 0);
  const int first_deep = std::min(shard_depth + 1, nk + 1);
  top.append(0, {root_node(opt.space.states, opt.space.symbols)});
  size[0] = 1;
  ProgressReport progress(opt);
  run_levels(top, size, 0, first_deep, opt.launch_nodes, rule, progress.hook(top, false));
  if (!opt.device) {
    run_levels(top, size, first_deep, nk + 1, opt.launch_nodes, rule, progress.hook(top, false));
  } else {
    const std::vector<WaveNode> handed = top.take(first_deep);
    WaveDeviceConfig cfg;
    cfg.space = opt.space;
    cfg.cutoff = cutoff;
    cfg.proofs.ngram_after = opt.ngram_after;
    cfg.proofs.bouncer_after = opt.bouncer_after;
    cfg.cycle_proof = opt.cycle_proof;
    cfg.launch_nodes = opt.launch_nodes;
    const DeviceLeaves leaves = opt.device(cfg, [&](WaveExecutor& ex) {
      std::vector<uint64_t> deep(size.size(), 0);  // a void attempt starts again from the handed nodes
      ex.append(first_deep, handed);
      deep[first_deep] = handed.size();
      run_levels(ex, deep, first_deep, nk + 1, opt.launch_nodes, rule, progress.hook(top, true));
    });
    add_device_leaves(top.right_first(), leaves);
  }

  WavefrontResult out{symmetrize_1d(opt.space, cutoff, top.unmirrored(), top.right_first()), std::move(top.report())};
  Table& t = out.table;
  t.meta.backend = opt.backend;
  t.meta.code_version = kVersion;
  t.meta.shard_index = opt.shard_index;
  t.meta.shard_count = opt.shard_count;
  t.meta.work_items_done = out.report.frontier_items_mine;
  t.meta.work_items_total = out.report.frontier_items;
  t.meta.accounting = RunAccounting{};
  t.meta.deciders = {proof_name(kProofComplete), proof_name(kProofReach), proof_name(kProofEscape)};
  if (opt.cycle_proof) {
    t.meta.deciders.push_back(proof_name(kProofCycle));
    t.meta.deciders.push_back(proof_name(kProofTranslated));
  }
  if (opt.ngram_after) t.meta.deciders.push_back(proof_name(kProofNgram));
  if (opt.bouncer_after) t.meta.deciders.push_back(proof_name(kProofBouncer));
  t.meta.schedule = schedule_meta(ProofSchedule{opt.ngram_after, opt.bouncer_after});
  return out;
}

}  // namespace

WavefrontResult enumerate_wavefront(const WavefrontOptions& options) {
  WavefrontOptions opt = options;
  opt.space.validate();
  if (opt.space.dims != 1) throw Error("the wavefront enumeration is implemented for 1D spaces only (got " + opt.space.name() + ")");
  if (opt.cutoff == 0) opt.cutoff = standard_cutoff(opt.space);
  if (opt.cutoff == 0) throw Error("no standard cutoff for space " + opt.space.name() + ": give one");
  if (opt.ngram_after == kNgramAfterDefault) opt.ngram_after = default_ngram_after(opt.cutoff);
  if (opt.shard_count < 1 || opt.shard_index >= opt.shard_count)
    throw Error("shard " + std::to_string(opt.shard_index) + "/" + std::to_string(opt.shard_count) + " is not a valid slice");
  if (opt.refill_lanes < 32 || opt.refill_lanes % 32)
    throw Error("refilling lanes must be a positive multiple of 32 (got " + std::to_string(opt.refill_lanes) + ")");
  if (opt.launch_nodes < 1) throw Error("wavefront launches need at least one node");
  for (uint32_t b : opt.budgets)
    if (b < 1) throw Error("a wavefront step budget must be at least 1");
  const int k = opt.space.symbols;
  if (WaveTape<32>::fits(k, opt.cutoff)) return run_wavefront<32>(opt, opt.cutoff);
  if (WaveTape<64>::fits(k, opt.cutoff)) return run_wavefront<64>(opt, opt.cutoff);
  if (WaveTape<128>::fits(k, opt.cutoff)) return run_wavefront<128>(opt, opt.cutoff);
  if (WaveTape<256>::fits(k, opt.cutoff)) return run_wavefront<256>(opt, opt.cutoff);
  throw Error("cutoff " + std::to_string(opt.cutoff) + " needs more than the wavefront's largest tape (" +
              std::to_string(WaveTape<256>::capacity(tape_bits(k))) + " cells of " + std::to_string(tape_bits(k)) +
              " bits for k=" + std::to_string(k) + ")");
}

}  // namespace ctm::detail
