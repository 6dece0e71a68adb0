// The level-synchronous wavefront on the CPU: launches of same-level nodes run from the blank tape
// (run_node), their leaves go to Accumulators, their readers of an undefined entry are expanded into
// the next level; the leaves are symmetrised as enumerate()'s. Measures the SIMT lane utilisation.
#include "wavefront.hpp"

#include <algorithm>
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

template <int Words>
class Driver {
 public:
  Driver(const WavefrontOptions& opt, uint32_t cutoff)
      : opt_(opt), cutoff_(cutoff), n_(opt.space.states), k_(opt.space.symbols), pow_(opt.space.option_powers()),
        unmirrored_(k_, cutoff), right_first_(k_, cutoff) {
    proofs_.ngram_after = opt.ngram_after;
    shard_depth_ = std::max(1, opt.frontier_depth > 0 ? opt.frontier_depth : default_frontier_depth_1d(opt.space));
    report_.item_depth = std::min(opt.space.entries() - 1, shard_depth_ + 3);
  }

  WavefrontResult run() {
    const int nk = n_ * k_;
    std::vector<std::vector<Lane>> level(nk + 2);
    std::vector<size_t> cursor(nk + 2, 0);
    level[0].push_back(Lane{root_node(n_, k_), kNoItem});
    for (;;) {
      int lv = nk + 1;
      while (lv >= 0 && cursor[lv] >= level[lv].size()) --lv;
      if (lv < 0) break;
      const size_t from = cursor[lv], to = std::min(level[lv].size(), from + opt_.launch_nodes);
      // Children go to level lv + 1, which is empty: deeper lists are always drained first, so
      // every level is visited in the tree's order and memory stays bounded.
      launch(lv, level[lv], from, to, level[lv + 1]);
      cursor[lv] = to;
      if (to == level[lv].size()) { level[lv].clear(); level[lv].shrink_to_fit(); cursor[lv] = 0; }
    }
    // Today's design: one lane per item, in queue order, for the item's whole subtree.
    std::vector<uint32_t> item_lanes;
    for (uint64_t s : item_steps_) item_lanes.push_back(static_cast<uint32_t>(std::min<uint64_t>(s, 0xffffffffu)));
    report_.items = item_lanes.size();
    report_.per_item = lane_utilisation(item_lanes);

    WavefrontResult out{symmetrize_1d(opt_.space, cutoff_, unmirrored_, right_first_), std::move(report_)};
    Table& t = out.table;
    t.meta.backend = "wavefront-emulation";
    t.meta.code_version = kVersion;
    t.meta.shard_index = opt_.shard_index;
    t.meta.shard_count = opt_.shard_count;
    t.meta.accounting = RunAccounting{};
    t.meta.deciders = {proof_name(kProofComplete), proof_name(kProofReach), proof_name(kProofEscape)};
    if (opt_.cycle_proof) {
      t.meta.deciders.push_back(proof_name(kProofCycle));
      t.meta.deciders.push_back(proof_name(kProofTranslated));
    }
    if (opt_.ngram_after) t.meta.deciders.push_back(proof_name(kProofNgram));
    return out;
  }

 private:
  // Runs lanes [from, to) of one level, sends their leaves to the accumulators, appends their
  // children to `next` and records the launch's lane utilisation.
  void launch(int lv, const std::vector<Lane>& lanes, size_t from, size_t to, std::vector<Lane>& next) {
    WavefrontLaunch rec{lv, static_cast<uint32_t>(to - from), 0, 0, {}, {}, {}};
    steps_.clear();
    parent_.clear();
    for (size_t i = from; i < to; ++i) {
      const Lane& lane = lanes[i];
      const WaveNode& w = lane.node;
      const NodeRun r = run_node(w, cutoff_, proofs_, tape_, opt_.cycle_proof ? &scratch_ : nullptr);
      steps_.push_back(r.steps);
      parent_.push_back(w.root ? 0 : w.parent_steps);
      rec.steps += r.steps;
      rec.longest = std::max(rec.longest, r.steps);
      const uint64_t resumed = w.root ? 0 : r.steps - w.parent_steps;
      report_.nodes++;
      report_.steps_from_blank += r.steps;
      report_.steps_resumed += resumed;
      if (lane.item != kNoItem) item_steps_[lane.item] += resumed;

      const bool branch = r.stop == static_cast<uint8_t>(StopReason::kUndefined);
      bool mine = lv > shard_depth_ || opt_.shard_index == 0;  // leaves above the shard depth: shard 0
      bool expand = branch && lv < shard_depth_;
      if (branch && lv == shard_depth_) {
        mine = expand = shard_counter_++ % opt_.shard_count == opt_.shard_index;
      } else if (branch && lv > shard_depth_) {
        expand = true;
      }
      uint32_t item = lane.item;
      if (expand && lv == report_.item_depth) {
        item = static_cast<uint32_t>(item_steps_.size());
        item_steps_.push_back(0);
      }
      Accumulator& acc = w.root ? unmirrored_ : right_first_;
      // The shard depth's own runs are the frontier's (shard 0), their leaves and subtrees the items'.
      if (lv > shard_depth_ || opt_.shard_index == 0) acc.steps += resumed;
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

  const WavefrontOptions& opt_;
  uint32_t cutoff_;
  int n_, k_;
  std::vector<count_t> pow_;
  Accumulator unmirrored_, right_first_;
  WaveProofs proofs_;
  int shard_depth_ = 1;
  uint64_t shard_counter_ = 0;
  WavefrontReport report_;
  std::vector<uint64_t> item_steps_;
  WaveTape<Words> tape_;
  WaveScratch<Words> scratch_;
  std::vector<uint32_t> steps_, parent_, sorted_;
  std::vector<uint8_t> cells_;
};

}  // namespace

WavefrontResult enumerate_wavefront(const WavefrontOptions& options) {
  WavefrontOptions opt = options;
  opt.space.validate();
  if (opt.space.dims != 1) throw Error("the wavefront enumeration is implemented for 1D spaces only (got " + opt.space.name() + ")");
  if (opt.cutoff == 0) opt.cutoff = standard_cutoff(opt.space);
  if (opt.cutoff == 0) throw Error("no standard cutoff for space " + opt.space.name() + ": give one");
  if (opt.shard_count < 1 || opt.shard_index >= opt.shard_count)
    throw Error("shard " + std::to_string(opt.shard_index) + "/" + std::to_string(opt.shard_count) + " is not a valid slice");
  if (opt.refill_lanes < 32 || opt.refill_lanes % 32)
    throw Error("refilling lanes must be a positive multiple of 32 (got " + std::to_string(opt.refill_lanes) + ")");
  if (opt.launch_nodes < 1) throw Error("wavefront launches need at least one node");
  for (uint32_t b : opt.budgets)
    if (b < 1) throw Error("a wavefront step budget must be at least 1");
  const int k = opt.space.symbols;
  if (WaveTape<32>::fits(k, opt.cutoff)) return Driver<32>(opt, opt.cutoff).run();
  if (WaveTape<64>::fits(k, opt.cutoff)) return Driver<64>(opt, opt.cutoff).run();
  if (WaveTape<128>::fits(k, opt.cutoff)) return Driver<128>(opt, opt.cutoff).run();
  if (WaveTape<256>::fits(k, opt.cutoff)) return Driver<256>(opt, opt.cutoff).run();
  throw Error("cutoff " + std::to_string(opt.cutoff) + " needs more than the wavefront's largest tape (" +
              std::to_string(WaveTape<256>::capacity(tape_bits(k))) + " cells of " + std::to_string(tape_bits(k)) +
              " bits for k=" + std::to_string(k) + ")");
}

}  // namespace ctm::detail
