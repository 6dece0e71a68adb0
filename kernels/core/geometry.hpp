// The geometry policies of the one tree walk (tree_walk.hpp): Tape1d (spec sections 1-3) and Grid2d
// (spec section 4) say what a run's cells are, how a child's first step runs, which moves a node
// explores, what a leaf stands for under the symmetries and how an output is keyed. The walk, the
// explorer, the accumulator, the host pipeline, the device walk and the device driver are each one
// template instantiated for both. CTM_HD, C++17 (nvcc compiles it).
#pragma once
#include <cstddef>

#include "core/tm2d.hpp"

namespace ctm {

// A 1D tape: cells indexed by absolute position, run from cell 0, mirror symmetry at the root.
struct Tape1d {
  using Run = RunState;
  using Cells = uint8_t*;  // a level's tape, cell 0 at the origin
  using Scratch = ProofScratch;
  static constexpr int kMoves = 2;   // kLeft, kRight
  static constexpr int kImages = 2;  // a right-first leaf also stands for its mirror image
  static constexpr bool kAccounting = true;  // tables record the run accounting (docs/deciders.md)
  static constexpr const char* kTask = "enumeration";  // in progress and cancel messages

  // `levels` tapes of `stride` cells: the head moves at most `cutoff` cells either way from cell 0,
  // one spare cell each side.
  struct Store {
    uint8_t* base;
    int32_t stride, origin;
    CTM_HD Cells level(int lv) const { return base + lv * stride + origin; }
  };
  static Store store_for(uint32_t cutoff) {
    const int32_t origin = static_cast<int32_t>(cutoff) + 2;
    return Store{nullptr, 2 * origin + 1, origin};
  }
  static size_t level_bytes(const Store& s) { return static_cast<size_t>(s.stride); }
  // Three tape copies for the cycle proofs, then the bouncer proof's record log (4-byte aligned).
  CTM_HD static size_t log_offset(const Store& s) { return (3 * static_cast<size_t>(s.stride) + 3) & ~static_cast<size_t>(3); }
  static size_t scratch_bytes(const Store& s) { return log_offset(s) + 5 * static_cast<size_t>(kBouncerTape); }
  CTM_HD static Scratch scratch_at(uint8_t* p, const Store& s) {
    uint8_t* const log = p + log_offset(s);
    return ProofScratch{p, p + s.stride, p + 2 * s.stride, s.stride,
                        BouncerLog{reinterpret_cast<uint32_t*>(log), log + 4 * kBouncerTape}};
  }

  CTM_HD static Run root_run() { return RunState{0, 0, 0, 0, 0, 0}; }
  CTM_HD static int read(Cells c, const Run& r) { return c[r.head]; }
  CTM_HD static uint8_t moves_below(const PartialMachine&, bool mirrored_root) {
    return mirrored_root ? static_cast<uint8_t>(1u << kRight) : static_cast<uint8_t>(3u);
  }
  CTM_HD static int leaf_factor(const PartialMachine&, int) { return 1; }
  CTM_HD static bool halting_reflected(const PartialMachine&) { return false; }

  // What a run carries from a node to its children: the record test's state (deciders.hpp) and the
  // packed transitions (RunCarry, tm.hpp).
  using Carry = RunCarry;
  // The carry of a work item's node, rebuilt by replaying its run from blank on the free tape `spare`.
  CTM_HD static void start_carry(const PartialMachine& m, const Run& r, Cells spare, const Scratch& scratch, Carry& carry) {
    carry.reset(m, 0, true);
    replay_records(m, r, spare, 0, carry.records, scratch.log);
  }
  CTM_HD static void copy_carry(Carry& to, const Carry& from, const PartialMachine& m) { to.copy_from(from, m); }

  // What the children of a node's branch entry share for the tests at their creation, computed once
  // per node (walk_subtree's enter).
  struct NodeFacts {
    uint32_t open_after;         // the states with an undefined entry once the branch entry is defined
    uint16_t reach[kMaxStates];  // per state, the states its transitions reach (itself included)
    BackwardVerdict backward;    // backward_for_children
    bool reads_blank;            // the branch entry reads blank: a child's escape sets change
    EscapeSets escape;           // escape_sets towards the branch entry's state, when it reads blank
  };
  CTM_HD static void node_facts(const PartialMachine& m, int e, NodeFacts& f) {
    const int choices = m.used_states < m.n ? m.used_states + 1 : m.n;  // the children's next states
    for (int q = 0; q < choices; ++q) f.reach[q] = static_cast<uint16_t>(reachable_from(m, q));
    PartialMachine after = m;
    after.defined |= 1u << e;
    f.open_after = states_with_undefined(after);
    f.backward = backward_for_children(m, e, 0);
    f.reads_blank = e % m.k == 0;
    if (f.reads_blank) f.escape = escape_sets(m, 0, e / m.k);
  }
  // A child whose new transition t goes to a state from which no halt can remain is settled before
  // its run (that first step is then not simulated): settled_before_run's reachability, from the
  // node's reach sets (the child's new edge q -> t.next only leads back to t.next, so the child
  // reaches from t.next what the node does; the child always has an undefined entry: the node's last
  // one settles its children in bulk). Else the node's backward verdict, for a transition its search
  // never steps back over. kProofNone otherwise.
  CTM_HD static uint8_t settled_at_creation(const NodeFacts& f, Transition t, int k) {
    if (!(f.reach[t.next] & f.open_after)) return kProofReach;
    if (f.backward.refuted && f.backward.unchanged_by(t.write, t.move, t.next, k)) return kProofBackward;
    return kProofNone;
  }

  // The child's first transition t (entry `e` of m, at the head), then its run until a branch, proof
  // or the cutoff; `carry` comes in as the parent's at the branch step. The caller has found the
  // child not settled_at_creation.
  // `facts` are the node's (node_facts), for the child's escape sets when its new entry reads blank.
  CTM_HD static StopReason run_child(const PartialMachine& m, Run& r, Cells c, int e, const NodeFacts& facts,
                                     const WalkConfig& cfg, const Scratch& scratch, Carry& carry) {
    const Transition t = m.entry[e];
    carry.code[e] = run_code(t, m.k);
    if (facts.reads_blank) escape_sets_with(facts.escape, t, carry.escape);
    r.proof = kProofNone;
    if (first_step(t, r, c, 0, carry, scratch.log)) return StopReason::kProvedNonHalt;
    // Most children read an undefined entry at once: no need to set up the run loop for them.
    if (r.steps < cfg.cutoff && !is_defined(m, r.state * m.k + c[r.head])) return StopReason::kUndefined;
    return run_until_branch(m, r, c, cfg.cutoff, 0, scratch, carry, cfg.ngram_after, cfg.ngram_long, cfg.bouncer_after, true);
  }

  // The visited cells, flat (a work item's cells): copied between levels, saved and loaded.
  CTM_HD static uint32_t cell_count(const Run& r) { return static_cast<uint32_t>(r.hi - r.lo + 1); }
  CTM_HD static void copy_cells(Cells to, Cells from, const Run& r) { ctm::copy_cells(to + r.lo, from + r.lo, r.hi - r.lo + 1); }
  CTM_HD static void save(uint8_t* out, Cells c, const Run& r) { ctm::copy_cells(out, c + r.lo, r.hi - r.lo + 1); }
  CTM_HD static void load(Cells c, const Run& r, const uint8_t* in) {
    for (int32_t i = 0; i <= r.hi - r.lo; ++i) c[r.lo + i] = in[i];
  }

  // The output of a halting leaf (the head cell replaced by head_value): its packed key (pack_output;
  // 0 when too long), else its symbols in order, `row_width` a row (0: one row).
  CTM_HD static uint64_t pack(Cells c, const Run& r, uint8_t head_value, bool, int bits) {
    return pack_output(c + r.lo, r.hi - r.lo + 1, r.head - r.lo, head_value, bits);
  }
  CTM_HD static int row_width(const Run&) { return 0; }
  CTM_HD static void write_output(uint8_t* out, Cells c, const Run& r, uint8_t head_value, bool) {
    for (int32_t p = r.lo; p <= r.hi; ++p) *out++ = p == r.head ? head_value : c[p];
  }
};

// A 2D grid: a torus window of 2^shift x 2^shift cells (tm2d.hpp), run from (0, 0); the root explores
// east only (4 rotations) and Up only where a machine already has a vertical entry (reflection).
struct Grid2d {
  using Run = RunState2d;
  using Cells = Grid;
  using Scratch = ProofScratch2d;
  static constexpr int kMoves = 4;   // Move2d
  static constexpr int kImages = 4;  // an east-first leaf also stands for its 3 other rotations
  static constexpr bool kAccounting = false;  // 2D tables record no run accounting
  static constexpr const char* kTask = "2D enumeration";

  struct Store {
    uint8_t* base;
    int32_t shift;
    CTM_HD Cells level(int lv) const {
      return Grid{base + static_cast<size_t>(lv) * (static_cast<size_t>(1) << (2 * shift)), shift};
    }
  };
  static Store store_for(uint32_t cutoff) { return Store{nullptr, grid_shift_for(cutoff)}; }
  static size_t level_bytes(const Store& s) { return static_cast<size_t>(1) << (2 * s.shift); }
  static size_t scratch_bytes(const Store& s) { return level_bytes(s); }
  CTM_HD static Scratch scratch_at(uint8_t* p, const Store& s) {
    return ProofScratch2d{p, static_cast<int32_t>(1) << (2 * s.shift)};
  }

  CTM_HD static Run root_run() { return RunState2d{0, 0, 0, 0, 0, 0, 0, 0, 0}; }
  CTM_HD static int read(const Cells& g, const Run& r) { return g.at(r.x, r.y); }
  CTM_HD static uint8_t moves_below(const PartialMachine& m, bool mirrored_root) { return allowed_moves(m, mirrored_root); }
  // A leaf with a vertical entry stands for itself and its top-bottom reflection.
  CTM_HD static int leaf_factor(const PartialMachine& parent, int move) {
    return is_vertical(static_cast<uint8_t>(move)) || has_vertical_entry(parent) ? 2 : 1;
  }
  CTM_HD static bool halting_reflected(const PartialMachine& m) { return has_vertical_entry(m); }

  struct Carry {};  // 2D runs carry nothing from a node to its children
  CTM_HD static void start_carry(const PartialMachine&, const Run&, const Cells&, const Scratch&, Carry&) {}
  CTM_HD static void copy_carry(Carry&, const Carry&, const PartialMachine&) {}

  // No static test settles a 2D child before its first step (escape needs the step; no backward
  // reasoning in 2D).
  struct NodeFacts {};
  CTM_HD static void node_facts(const PartialMachine&, int, NodeFacts&) {}
  CTM_HD static uint8_t settled_at_creation(const NodeFacts&, Transition, int) { return kProofNone; }

  CTM_HD static StopReason run_child(const PartialMachine& m, Run& r, const Cells& g, int e, const NodeFacts&,
                                     const WalkConfig& cfg, const Scratch& scratch, Carry&) {
    const Transition t = m.entry[e];
    g.at(r.x, r.y) = t.write;
    r.state = t.next;
    r.steps++;
    if (move_head_2d(r, g, t.move, 0) && escapes(m, t.next, t.move, 0)) {
      r.proof = kProofEscape;
      return StopReason::kProvedNonHalt;
    }
    return run_until_branch_2d(m, r, g, cfg.cutoff, 0, scratch);
  }

  // The bounding box, row-major.
  CTM_HD static uint32_t cell_count(const Run& r) { return static_cast<uint32_t>(box_width(r) * box_height(r)); }
  CTM_HD static void copy_cells(const Cells& to, const Cells& from, const Run& r) { copy_box(to, from, r); }
  CTM_HD static void save(uint8_t* out, const Cells& g, const Run& r) { box_to_buffer(out, g, r); }
  CTM_HD static void load(const Cells& g, const Run& r, const uint8_t* in) { buffer_to_box(g, in, r); }

  // Rows top to bottom (bottom to top when `reflect`), the head cell replaced by head_value.
  CTM_HD static uint64_t pack(const Cells& g, const Run& r, uint8_t head_value, bool reflect, int bits) {
    return pack_grid_output(g, r, head_value, reflect, bits);
  }
  CTM_HD static int row_width(const Run& r) { return box_width(r); }
  CTM_HD static void write_output(uint8_t* out, const Cells& g, const Run& r, uint8_t head_value, bool reflect) {
    for (int i = 0; i < box_height(r); ++i) {
      const int32_t y = reflect ? r.y_hi - i : r.y_lo + i;
      for (int32_t x = r.x_lo; x <= r.x_hi; ++x) *out++ = (x == r.x && y == r.y) ? head_value : g.at(x, y);
    }
  }
};

}  // namespace ctm
