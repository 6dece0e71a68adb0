// The walk of one subtree of partial machines (spec section 2), iterative so that it runs unchanged
// on the CPU and in a CUDA thread (CTM_HD). Each backend supplies only memory and a Sink that
// receives the leaves; the weights, symmetry choices and filters are all here and in tm.hpp.
#pragma once
#include "core/keys.hpp"
#include "core/tm.hpp"

namespace ctm {

using count_t = unsigned __int128;

// Defaults of WalkConfig::ngram_after and ngram_long, chosen by measurement on D(5,2)
// (docs/deciders.md, docs/benchmarks.md).
constexpr uint32_t kNgramAfter = 128;
constexpr int kNgramLong = 4;

// Where the steps of a walk went and which filter settled how many partial machines (children),
// for the table metadata (docs/deciders.md). Every child's run segment ends in exactly one of:
// an undefined entry (a branch point, where the halting leaves hang), a proof, or the cutoff.
struct WalkStats {
  uint64_t steps_branch = 0, steps_proved = 0, steps_cutoff = 0;
  uint64_t cutoff_nodes = 0;
  uint64_t settled[kProofCount] = {};
};

struct WalkConfig {
  int n, k;
  uint32_t cutoff;
  const count_t* pow;  // pow[i] = (options per entry)^i, i = 0..n*k
  int frontier_depth;  // > 0: children with this many defined entries go to sink.frontier()
  // A child's run that goes on this many steps without branching gets the n-gram proof
  // (ngram_proof in tm.hpp; 0 = never). Changes only the proved / cut-off split, never a count.
  uint32_t ngram_after = kNgramAfter;
  int ngram_long = kNgramLong;  // window of the second try (capped by ngram_window)
};

// One level of the walk: a node and where its enumeration of running children stands.
struct WalkFrame {
  PartialMachine m;
  RunState r;
  count_t mult;
  uint8_t entry;       // the undefined entry the run stopped at
  uint8_t w, move, next;  // next child to try
  uint8_t first_move;  // kRight at a mirrored root, else kLeft
};

// Memory for a walk: `levels` tapes of `stride` cells (cell 0 of level L at tapes + L*stride +
// origin), frames for every level, and the proof scratch. levels >= n*k + 2.
struct WalkMemory {
  uint8_t* tapes;
  int32_t stride, origin;
  WalkFrame* frames;
  ProofScratch scratch;
  WalkStats* stats = nullptr;  // optional accounting (the CPU walk keeps it; device threads do not)
  CTM_HD uint8_t* tape(int level) const { return tapes + level * stride + origin; }
};

// Sink interface (duck-typed, all CTM_HD):
//   void node();                                   a partial machine was expanded
//   void halting(const uint8_t* cells, int len, int head, const WalkFrame& f, count_t weight,
//                uint32_t step);                   k halting leaves: cells[head] replaced by 0..k-1
//   void cutoff(count_t weight); void proved(count_t weight); void steps(uint32_t n);
//   void frontier(const PartialMachine&, const RunState&, count_t mult, const uint8_t* tape);
//   bool cancelled();
//
// Walks the subtree below a node whose run stopped at an undefined entry (its tape window is in
// mem.tape(0)). skip_halting: its own halting leaves are not counted (the root's are counted apart,
// unmirrored). only_right: only right-moving first transitions (mirror symmetry at the root).
template <class Sink>
CTM_HD void walk_subtree(const WalkConfig& cfg, const PartialMachine& m0, const RunState& r0, count_t mult0,
                         bool skip_halting, bool only_right, const WalkMemory& mem, Sink& sink) {
  const int n = cfg.n, k = cfg.k, nk = n * k;
  int level = 0;
  // Entering a node: count it and its halting leaves, then either settle all its running children
  // at once (the last undefined entry: no halt can remain) or prepare to enumerate them.
  auto enter = [&](int lv, bool count_halting, bool right_only) -> bool {
    WalkFrame& f = mem.frames[lv];
    sink.node();
    const uint8_t* cells = mem.tape(lv);
    f.entry = static_cast<uint8_t>(f.r.state * k + cells[f.r.head]);
    const int free_after = nk - f.m.defined_count - 1;
    if (count_halting)
      sink.halting(cells + f.r.lo, f.r.hi - f.r.lo + 1, f.r.head - f.r.lo, f, f.mult * cfg.pow[free_after], f.r.steps + 1);
    if (free_after == 0) {
      // Defining the last entry as a running transition leaves no way to halt: all 2kn running
      // children (relabelling multiplicities included) are proved non-halting without a run.
      sink.proved(f.mult * static_cast<count_t>(2 * k * n / (right_only ? 2 : 1)));
      if (mem.stats) {
        const int choices = f.m.used_states < n ? f.m.used_states + 1 : n;
        mem.stats->settled[kProofComplete] += static_cast<uint64_t>(k * (right_only ? 1 : 2) * choices);
      }
      return false;
    }
    f.w = 0;
    f.first_move = right_only ? kRight : kLeft;
    f.move = f.first_move;
    f.next = 0;
    return true;
  };

  mem.frames[0].m = m0;
  mem.frames[0].r = r0;
  mem.frames[0].mult = mult0;
  if (!enter(0, !skip_halting, only_right)) return;

  while (level >= 0) {
    WalkFrame& f = mem.frames[level];
    const int states_choice = f.m.used_states < n ? f.m.used_states + 1 : n;
    if (f.w >= k || sink.cancelled()) { --level; continue; }
    const uint8_t w = f.w, move = f.move, next = f.next;
    // Advance the (w, move, next) odometer.
    if (++f.next >= states_choice) {
      f.next = 0;
      if (++f.move > kRight) { f.move = f.first_move; ++f.w; }
    }
    // A not-yet-used target state stands for all (n - used) interchangeable ones.
    const count_t child_mult = next == f.m.used_states ? f.mult * static_cast<count_t>(n - f.m.used_states) : f.mult;
    WalkFrame& c = mem.frames[level + 1];
    c.m = f.m;
    define_entry(c.m, f.entry, Transition{w, move, next, 0});
    const uint8_t* parent_tape = mem.tape(level);
    uint8_t* child_tape = mem.tape(level + 1);
    copy_cells(child_tape + f.r.lo, parent_tape + f.r.lo, f.r.hi - f.r.lo + 1);
    c.r = f.r;
    apply_transition(c.m.entry[f.entry], c.r, child_tape, 0);
    const StopReason stop = run_until_branch(c.m, c.r, child_tape, cfg.cutoff, 0, mem.scratch, cfg.ngram_after,
                                             cfg.ngram_long);
    sink.steps(c.r.steps - f.r.steps);
    if (WalkStats* st = mem.stats) {
      const uint32_t ran = c.r.steps - f.r.steps;
      if (stop == StopReason::kCutoff) { st->steps_cutoff += ran; st->cutoff_nodes++; }
      else if (stop == StopReason::kProvedNonHalt) { st->steps_proved += ran; st->settled[c.r.proof]++; }
      else st->steps_branch += ran;
    }
    const count_t leaf_weight = child_mult * cfg.pow[nk - f.m.defined_count - 1];
    if (stop == StopReason::kCutoff) {
      sink.cutoff(leaf_weight);
    } else if (stop == StopReason::kProvedNonHalt) {
      sink.proved(leaf_weight);
    } else if (cfg.frontier_depth > 0 && c.m.defined_count == cfg.frontier_depth) {
      sink.frontier(c.m, c.r, child_mult, child_tape);
    } else {
      c.mult = child_mult;
      if (enter(level + 1, true, false)) ++level;
    }
  }
}

}  // namespace ctm
