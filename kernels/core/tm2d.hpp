// Two-dimensional machines ("turmites", spec section 4): the grid, the step function, sound non-halting
// tests and the grid symmetries of the tree for (n,k)_2D, host/device (CTM_HD) like tm.hpp. The walk
// itself is tree_walk.hpp's, through the Grid2d policy of geometry.hpp.
#pragma once
#include "core/keys.hpp"
#include "core/tree_walk.hpp"

namespace ctm {

// Moves of a 2D transition (stored in Transition::move). Up decreases the row index: output rows are
// printed top to bottom, so row y_lo comes first.
enum Move2d : uint8_t { kUp = 0, kDown = 1, kWest = 2, kEast = 3 };

CTM_HD bool is_vertical(uint8_t move) { return move <= kDown; }
CTM_HD int move_dx(uint8_t move) { return move == kEast ? 1 : (move == kWest ? -1 : 0); }
CTM_HD int move_dy(uint8_t move) { return move == kDown ? 1 : (move == kUp ? -1 : 0); }

// A grid window: a torus of 2^shift x 2^shift cells addressed by absolute coordinates. With a cutoff
// T the bounding box of a run spans at most T+1 cells in either direction, so a side >= T+2 never
// aliases two cells of the box (or a box cell and the fresh cell next to it).
struct Grid {
  uint8_t* cells;
  int32_t shift;  // side = 1 << shift
  CTM_HD int32_t mask() const { return (1 << shift) - 1; }
  CTM_HD uint8_t& at(int32_t x, int32_t y) const { return cells[((y & mask()) << shift) | (x & mask())]; }
};

// Smallest shift with 2^shift >= cutoff + 2.
CTM_HD int32_t grid_shift_for(uint32_t cutoff) {
  int32_t s = 1;
  while ((1u << s) < cutoff + 2u) ++s;
  return s;
}

// A 2D run: head, bounding box of visited cells (inclusive), steps, state. Cells inside the box that
// were never visited hold the blank; cells outside the box are garbage until the box grows over them.
struct RunState2d {
  int32_t x, y;
  int32_t x_lo, x_hi, y_lo, y_hi;
  uint32_t steps;
  uint8_t state;
  uint8_t proof;  // Proof: which filter settled the run (set with StopReason::kProvedNonHalt)
};

CTM_HD int32_t box_width(const RunState2d& r) { return r.x_hi - r.x_lo + 1; }
CTM_HD int32_t box_height(const RunState2d& r) { return r.y_hi - r.y_lo + 1; }

// Copies the bounding box of `r` from one grid to another (same shift), or to/from a row-major buffer.
CTM_HD void copy_box(const Grid& to, const Grid& from, const RunState2d& r) {
  for (int32_t y = r.y_lo; y <= r.y_hi; ++y)
    for (int32_t x = r.x_lo; x <= r.x_hi; ++x) to.at(x, y) = from.at(x, y);
}
CTM_HD void box_to_buffer(uint8_t* out, const Grid& g, const RunState2d& r) {
  int32_t i = 0;
  for (int32_t y = r.y_lo; y <= r.y_hi; ++y)
    for (int32_t x = r.x_lo; x <= r.x_hi; ++x) out[i++] = g.at(x, y);
}
CTM_HD void buffer_to_box(const Grid& g, const uint8_t* in, const RunState2d& r) {
  int32_t i = 0;
  for (int32_t y = r.y_lo; y <= r.y_hi; ++y)
    for (int32_t x = r.x_lo; x <= r.x_hi; ++x) g.at(x, y) = in[i++];
}

// Moves the head one cell; when it leaves the bounding box, the box grows by one row or column,
// whose cells are set blank. Returns true when the box grew.
CTM_HD bool move_head_2d(RunState2d& r, const Grid& g, uint8_t move, uint8_t blank) {
  r.x += move_dx(move);
  r.y += move_dy(move);
  if (r.x > r.x_hi || r.x < r.x_lo) {
    if (r.x > r.x_hi) r.x_hi = r.x; else r.x_lo = r.x;
    for (int32_t y = r.y_lo; y <= r.y_hi; ++y) g.at(r.x, y) = blank;
    return true;
  }
  if (r.y > r.y_hi || r.y < r.y_lo) {
    if (r.y > r.y_hi) r.y_hi = r.y; else r.y_lo = r.y;
    for (int32_t x = r.x_lo; x <= r.x_hi; ++x) g.at(x, r.y) = blank;
    return true;
  }
  return false;
}

// Scratch for the exact-cycle proof: one box copy (capacity cells, at least side^2).
struct ProofScratch2d {
  uint8_t* cycle;
  int32_t capacity;
};

// Runs the defined (running) transitions until an undefined entry is read, the cutoff is reached or
// a sound filter proves that no undefined entry is ever read again: every entry defined; escape
// (escapes() of tm.hpp: the head just left the box, so everything beyond it that way is blank); no
// state with an undefined entry reachable; an exact repeat of the whole configuration (snapshots at
// doubling step counts). Halting runs are never touched. r.proof says which filter settled a run.
CTM_HD StopReason run_until_branch_2d(const PartialMachine& m, RunState2d& r, const Grid& g, uint32_t cutoff,
                                      uint8_t blank, const ProofScratch2d& scratch) {
  r.proof = kProofNone;
  const uint32_t all_entries = m.n * m.k >= 32 ? 0xffffffffu : ((1u << (m.n * m.k)) - 1u);
  if (m.defined == all_entries) { r.proof = kProofComplete; return StopReason::kProvedNonHalt; }
  const int k = m.k;
  uint32_t undefined_states = 0;
  bool cycle_valid = false;
  RunState2d snap{};
  uint32_t next_snapshot = r.steps + 8;
  for (;;) {
    if (r.steps >= cutoff) return StopReason::kCutoff;
    uint8_t& cell = g.at(r.x, r.y);
    const int e = r.state * k + cell;
    if (!is_defined(m, e)) return StopReason::kUndefined;
    const Transition t = m.entry[e];
    cell = t.write;
    r.state = t.next;
    r.steps++;
    if (move_head_2d(r, g, t.move, blank)) {
      if (escapes(m, r.state, t.move, blank)) { r.proof = kProofEscape; return StopReason::kProvedNonHalt; }
      continue;  // the box grew: no exact repeat possible at this step
    }
    if (cycle_valid && r.state == snap.state && r.x == snap.x && r.y == snap.y && r.x_lo == snap.x_lo &&
        r.x_hi == snap.x_hi && r.y_lo == snap.y_lo && r.y_hi == snap.y_hi) {
      bool same = true;
      int32_t i = 0;
      for (int32_t y = r.y_lo; y <= r.y_hi && same; ++y)
        for (int32_t x = r.x_lo; x <= r.x_hi && same; ++x) same = g.at(x, y) == scratch.cycle[i++];
      if (same) { r.proof = kProofCycle; return StopReason::kProvedNonHalt; }
    }
    if (r.steps >= next_snapshot) {
      if (box_width(r) * box_height(r) <= scratch.capacity) {
        box_to_buffer(scratch.cycle, g, r);
        snap = r;
        cycle_valid = true;
      }
      next_snapshot = r.steps * 2;
      if (!undefined_states) undefined_states = states_with_undefined(m);
      if (!reaches_any(m, r.state, undefined_states)) { r.proof = kProofReach; return StopReason::kProvedNonHalt; }
    }
  }
}

// Grid symmetries of the tree: the root explores only east-moving first transitions (the host adds
// the 4 rotations), and a node whose machine has no vertical entry yet explores only Down among the
// vertical moves: the leaf of the Up choice is the Down leaf reflected top-bottom, so a leaf with a
// vertical entry stands for itself and its reflection (Grid2d::leaf_factor, halting_reflected).
CTM_HD bool has_vertical_entry(const PartialMachine& m) {
  for (int e = 0; e < m.n * m.k; ++e)
    if (is_defined(m, e) && is_vertical(m.entry[e].move)) return true;
  return false;
}

// Moves explored below a node: east only at the mirrored root; without a vertical entry, Down but
// not Up; otherwise all four.
CTM_HD uint8_t allowed_moves(const PartialMachine& m, bool east_only) {
  if (east_only) return 1u << kEast;
  return has_vertical_entry(m) ? 0xf : static_cast<uint8_t>((1u << kDown) | (1u << kWest) | (1u << kEast));
}

}  // namespace ctm
