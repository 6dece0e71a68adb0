// The walk of one subtree of partial machines (spec section 2), iterative so that it runs unchanged
// on the CPU and in a CUDA thread (CTM_HD), written once for every geometry (1D tape, 2D grid: the
// policies of geometry.hpp). Each backend supplies only memory and a Sink that receives the leaves;
// the weights and filters are here, in tm.hpp / tm2d.hpp and in the geometry's policy.
#pragma once
#include "core/keys.hpp"
#include "core/tm.hpp"

namespace ctm {

using count_t = unsigned __int128;

// Defaults of WalkConfig::ngram_after and ngram_long, chosen by measurement on D(5,2)
// (docs/deciders.md, docs/benchmarks.md).
constexpr uint32_t kNgramAfter = 64;
constexpr int kNgramLong = 5;
// Default of WalkConfig::bouncer_after (docs/deciders.md, "bouncer").
constexpr uint32_t kBouncerAfter = 96;

// The n-gram proof's default first try for a cutoff: kNgramAfter steps of a run segment, or a quarter
// of the cutoff when that is sooner, so that at small cutoffs both tries (the long window comes as
// many steps later again) still come before the cutoff (docs/deciders.md).
CTM_HD constexpr uint32_t default_ngram_after(uint32_t cutoff) {
  return cutoff / 4 >= kNgramAfter ? kNgramAfter : (cutoff / 4 > 0 ? cutoff / 4 : 1);
}

// An options field's "the default for the cutoff" (default_ngram_after), where the cutoff is resolved later.
constexpr uint32_t kNgramAfterDefault = 0xffffffffu;

// When the walk tries its scheduled proofs (the host's options; 0 = never): the WalkConfig fields of
// the same names. Default-constructed it holds the defaults of a cutoff of 256 or more; for_cutoff
// gives those of any cutoff (what the engine uses).
struct ProofSchedule {
  uint32_t ngram_after = kNgramAfter;
  uint32_t bouncer_after = kBouncerAfter;
  // The defaults for a cutoff (WalkConfig's).
  static constexpr ProofSchedule for_cutoff(uint32_t cutoff) { return {default_ngram_after(cutoff), kBouncerAfter}; }
};

// Where the steps of a walk went and which filter settled how many partial machines (children),
// for the table metadata (docs/deciders.md). Every child's run segment ends in exactly one of:
// an undefined entry (a branch point, where the halting leaves hang), a proof, or the cutoff.
struct WalkStats {
  uint64_t steps_branch = 0, steps_proved = 0, steps_cutoff = 0;
  uint64_t cutoff_nodes = 0;
  uint64_t settled[kProofCount] = {};
  uint64_t steps_settled[kProofCount] = {};  // steps_proved by the filter that settled the segment
};

struct WalkConfig {
  int n, k;
  uint32_t cutoff;
  const count_t* pow;  // pow[i] = (options per entry)^i, i = 0..n*k
  int frontier_depth;  // > 0: children with this many defined entries go to sink.frontier()
  // A child's run that goes on this many steps without branching gets the n-gram proof
  // (ngram_proof in ngram.hpp; 0 = never). Changes only the proved / cut-off split, never a count.
  uint32_t ngram_after = default_ngram_after(cutoff);
  int ngram_long = kNgramLong;  // window of the second try (capped by ngram_window)
  // A child's run that goes on this many steps without branching gets the bouncer proof
  // (bouncer_proof in bouncer.hpp), and again each time its steps double (0 = never).
  uint32_t bouncer_after = kBouncerAfter;
  // (2D runs have no n-gram or bouncer proof: Grid2d ignores the three.)
};

// One level of the walk: a node and where its enumeration of running children stands. Geo is the
// geometry (Tape1d or Grid2d, geometry.hpp): what a run and its cells are.
template <class Geo>
struct WalkFrame {
  PartialMachine m;
  typename Geo::Run r;
  count_t mult;
  count_t leaf_same, leaf_new;  // a running child's leaf weight (before Geo::leaf_factor): next state used / new
  uint8_t entry;          // the undefined entry the run stopped at
  uint8_t w, move, next;  // next child to try
  uint8_t move_mask;      // moves explored below this node (bit per move; Geo::moves_below)
  typename Geo::NodeFacts facts;  // Geo::node_facts for the children of `entry`
  typename Geo::Carry carry;  // the run's proof state at its branch step, handed to each child
};

// Memory for a walk: the cells of every tree level (Geo::Store; levels >= n*k + 2), frames for every
// level, and the proof scratch.
template <class Geo>
struct WalkMemory {
  typename Geo::Store store;
  WalkFrame<Geo>* frames;
  typename Geo::Scratch scratch;
  WalkStats* stats = nullptr;  // optional accounting (the CPU walk keeps it; device threads do not)
  CTM_HD typename Geo::Cells cells(int level) const { return store.level(level); }
};

// Sink interface (duck-typed, all CTM_HD; Cells and Run are Geo's):
//   void node();                                   a partial machine was expanded
//   void halting(Cells, const Run&, const WalkFrame<Geo>&, count_t weight, uint32_t step, bool reflected_too);
//                                                  k halting leaves: the head cell replaced by 0..k-1
//                                                  (each also reflected when reflected_too, 2D)
//   void cutoff(count_t weight); void proved(count_t weight); void steps(uint32_t n);
//   void frontier(const PartialMachine&, const Run&, count_t mult, Cells);
//   bool cancelled();
//
// Walks the subtree below a node whose run stopped at an undefined entry (its cells are in
// mem.cells(0)). skip_halting: its own halting leaves are not counted (the root's are counted apart,
// unmirrored). root_mirrored: only the first transitions Geo keeps at a mirrored root (1D: right
// moves; 2D: east), the host adds their images.
template <class Geo, class Sink>
CTM_HD void walk_subtree(const WalkConfig& cfg, const PartialMachine& m0, const typename Geo::Run& r0, count_t mult0,
                         bool skip_halting, bool root_mirrored, const WalkMemory<Geo>& mem, Sink& sink) {
  const int n = cfg.n, k = cfg.k, nk = n * k;
  int level = 0;
  // Entering a node: count it and its halting leaves, then either settle all its running children
  // at once (the last undefined entry: no halt can remain) or prepare to enumerate them.
  auto enter = [&](int lv, bool count_halting, bool mirrored) -> bool {
    WalkFrame<Geo>& f = mem.frames[lv];
    sink.node();
    const typename Geo::Cells cells = mem.cells(lv);
    f.entry = static_cast<uint8_t>(f.r.state * k + Geo::read(cells, f.r));
    const int free_after = nk - f.m.defined_count - 1;
    if (count_halting)
      sink.halting(cells, f.r, f, f.mult * cfg.pow[free_after], f.r.steps + 1, Geo::halting_reflected(f.m));
    f.move_mask = Geo::moves_below(f.m, mirrored);
    if (free_after == 0) {
      // Defining the last entry as a running transition leaves no way to halt: every running child
      // (relabelling: n in all over the next states; each move's leaf factor) is proved at once.
      count_t total = 0;
      int moves = 0;
      for (int mv = 0; mv < Geo::kMoves; ++mv)
        if ((f.move_mask >> mv) & 1u) { total += Geo::leaf_factor(f.m, mv); ++moves; }
      sink.proved(f.mult * static_cast<count_t>(k * n) * total);
      if (mem.stats) {
        const int choices = f.m.used_states < n ? f.m.used_states + 1 : n;
        mem.stats->settled[kProofComplete] += static_cast<uint64_t>(k * moves * choices);
      }
      return false;
    }
    Geo::node_facts(f.m, f.entry, f.facts);
    f.leaf_same = f.mult * cfg.pow[free_after];
    f.leaf_new = f.m.used_states < n ? f.leaf_same * static_cast<count_t>(n - f.m.used_states) : 0;
    f.w = 0;
    f.move = static_cast<uint8_t>(lowest_bit(f.move_mask));
    f.next = 0;
    return true;
  };

  mem.frames[0].m = m0;
  mem.frames[0].r = r0;
  mem.frames[0].mult = mult0;
  Geo::start_carry(m0, r0, mem.cells(1), mem.scratch, mem.frames[0].carry);
  if (!enter(0, !skip_halting, root_mirrored)) return;

  while (level >= 0) {
    WalkFrame<Geo>& f = mem.frames[level];
    const int states_choice = f.m.used_states < n ? f.m.used_states + 1 : n;
    if (f.w >= k || sink.cancelled()) { --level; continue; }
    const uint8_t w = f.w, move = f.move, next = f.next;
    // Advance the (w, move, next) odometer over the allowed moves.
    if (++f.next >= states_choice) {
      f.next = 0;
      do { ++f.move; } while (f.move < Geo::kMoves && !((f.move_mask >> f.move) & 1u));
      if (f.move >= Geo::kMoves) { f.move = static_cast<uint8_t>(lowest_bit(f.move_mask)); ++f.w; }
    }
    const Transition t{w, move, next, 0};
    WalkFrame<Geo>& c = mem.frames[level + 1];
    const typename Geo::Cells child = mem.cells(level + 1);
    // A child settled at its creation needs no machine, cells or carry of its own.
    uint8_t proof = Geo::settled_at_creation(f.facts, t, k);
    StopReason stop = StopReason::kProvedNonHalt;
    uint32_t ran = 0;
    if (proof == kProofNone) {
      c.m = f.m;
      define_entry(c.m, f.entry, f.r.state, t);
      c.r = f.r;
      Geo::copy_cells(child, mem.cells(level), f.r);
      Geo::copy_carry(c.carry, f.carry, c.m);
      stop = Geo::run_child(c.m, c.r, child, f.entry, f.facts, cfg, mem.scratch, c.carry);
      proof = c.r.proof;
      ran = c.r.steps - f.r.steps;
      sink.steps(ran);
    }
    if (WalkStats* st = mem.stats) {
      if (stop == StopReason::kCutoff) { st->steps_cutoff += ran; st->cutoff_nodes++; }
      else if (stop == StopReason::kProvedNonHalt) {
        st->steps_proved += ran;
        st->settled[proof]++;
        st->steps_settled[proof] += ran;
      }
      else st->steps_branch += ran;
    }
    // A not-yet-used target state stands for all (n - used) interchangeable ones (the node's two leaf
    // weights, enter()).
    const bool fresh_state = next == f.m.used_states;
    const count_t leaf_weight = (fresh_state ? f.leaf_new : f.leaf_same) * static_cast<count_t>(Geo::leaf_factor(f.m, move));
    if (stop == StopReason::kCutoff) {
      sink.cutoff(leaf_weight);
    } else if (stop == StopReason::kProvedNonHalt) {
      sink.proved(leaf_weight);
    } else {
      const count_t child_mult = fresh_state ? f.mult * static_cast<count_t>(n - f.m.used_states) : f.mult;
      if (cfg.frontier_depth > 0 && c.m.defined_count == cfg.frontier_depth) {
        sink.frontier(c.m, c.r, child_mult, child);
      } else {
        c.mult = child_mult;
        if (enter(level + 1, true, false)) ++level;
      }
    }
  }
}

}  // namespace ctm
