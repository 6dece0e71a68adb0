// Two-dimensional machines ("turmites", spec section 4): the grid, the step function, sound non-halting
// tests and the tree walk for (n,k)_2D, host/device (CTM_HD) like tm.hpp and tree_walk.hpp.
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

// Escape in 2D: the head just left the box in direction `move`, so every cell beyond it that way is
// blank; if the (state, blank) entries are all defined, all move the same way and return to a state
// already seen, the run only ever reads fresh blank cells and never halts.
CTM_HD bool escapes_2d(const PartialMachine& m, int q, uint8_t move, uint8_t blank) {
  uint32_t seen = 0;
  for (;;) {
    if ((seen >> q) & 1u) return true;
    seen |= 1u << q;
    const int e = q * m.k + blank;
    if (!is_defined(m, e) || m.entry[e].move != move) return false;
    q = m.entry[e].next;
  }
}

// Scratch for the exact-cycle proof: one box copy (capacity cells, at least side^2).
struct ProofScratch2d {
  uint8_t* cycle;
  int32_t capacity;
};

// Runs the defined (running) transitions until an undefined entry is read, the cutoff is reached or
// a sound filter proves that no undefined entry is ever read again: every entry defined; escape
// (escapes_2d); no state with an undefined entry reachable; an exact repeat of the whole
// configuration (snapshots at doubling step counts). Halting runs are never touched.
CTM_HD StopReason run_until_branch_2d(const PartialMachine& m, RunState2d& r, const Grid& g, uint32_t cutoff,
                                      uint8_t blank, const ProofScratch2d& scratch) {
  const uint32_t all_entries = m.n * m.k >= 32 ? 0xffffffffu : ((1u << (m.n * m.k)) - 1u);
  if (m.defined == all_entries) return StopReason::kProvedNonHalt;
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
      if (escapes_2d(m, r.state, t.move, blank)) return StopReason::kProvedNonHalt;
      continue;  // the box grew: no exact repeat possible at this step
    }
    if (cycle_valid && r.state == snap.state && r.x == snap.x && r.y == snap.y && r.x_lo == snap.x_lo &&
        r.x_hi == snap.x_hi && r.y_lo == snap.y_lo && r.y_hi == snap.y_hi) {
      bool same = true;
      int32_t i = 0;
      for (int32_t y = r.y_lo; y <= r.y_hi && same; ++y)
        for (int32_t x = r.x_lo; x <= r.x_hi && same; ++x) same = g.at(x, y) == scratch.cycle[i++];
      if (same) return StopReason::kProvedNonHalt;
    }
    if (r.steps >= next_snapshot) {
      if (box_width(r) * box_height(r) <= scratch.capacity) {
        box_to_buffer(scratch.cycle, g, r);
        snap = r;
        cycle_valid = true;
      }
      next_snapshot = r.steps * 2;
      if (!undefined_states) undefined_states = states_with_undefined(m);
      if (!(reachable_states(m, r.state) & undefined_states)) return StopReason::kProvedNonHalt;
    }
  }
}

// --- The 2D tree walk ----------------------------------------------------------------------------
// Same tree as 1D (branch when an undefined entry is first read; weight (k(4n+1))^(free entries)
// times the state-relabelling multiplicity). Grid symmetries: the root explores only east-moving
// first transitions (the host adds the 4 rotations), and a node whose machine has no vertical entry
// yet explores only Down among the vertical moves: the leaf of the Up choice is the Down leaf
// reflected top-bottom, so a leaf with a vertical entry stands for itself and its reflection
// (the sink is told, and non-halting weights are doubled here).

struct WalkConfig2d {
  int n, k;
  uint32_t cutoff;
  const count_t* pow;  // pow[i] = (k(4n+1))^i
  int frontier_depth;  // > 0: children with this many defined entries go to sink.frontier()
};

struct WalkFrame2d {
  PartialMachine m;
  RunState2d r;
  count_t mult;
  uint8_t entry;
  uint8_t w, move, next;
  uint8_t move_mask;  // moves explored below this node (bit per Move2d)
};

// Memory: `levels` grids of side 2^shift, frames per level, one scratch. levels >= n*k + 2.
struct WalkMemory2d {
  uint8_t* grids;
  int32_t shift;
  WalkFrame2d* frames;
  ProofScratch2d scratch;
  CTM_HD Grid grid(int level) const {
    return Grid{grids + static_cast<size_t>(level) * (static_cast<size_t>(1) << (2 * shift)), shift};
  }
};

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

// Sink interface (duck-typed, CTM_HD):
//   void node();
//   void halting(const Grid& g, const RunState2d& r, const WalkFrame2d& f, count_t weight,
//                uint32_t step, bool reflected_too);  k halting leaves: cell (r.x, r.y) replaced by 0..k-1
//   void cutoff(count_t weight); void proved(count_t weight); void steps(uint32_t n);
//   void frontier(const PartialMachine&, const RunState2d&, count_t mult, const Grid& g);
//   bool cancelled();
template <class Sink>
CTM_HD void walk_subtree_2d(const WalkConfig2d& cfg, const PartialMachine& m0, const RunState2d& r0, count_t mult0,
                            bool skip_halting, bool east_only, const WalkMemory2d& mem, Sink& sink) {
  const int n = cfg.n, k = cfg.k, nk = n * k;
  int level = 0;
  auto enter = [&](int lv, bool count_halting, bool root_east_only) -> bool {
    WalkFrame2d& f = mem.frames[lv];
    sink.node();
    const Grid g = mem.grid(lv);
    f.entry = static_cast<uint8_t>(f.r.state * k + g.at(f.r.x, f.r.y));
    const int free_after = nk - f.m.defined_count - 1;
    const bool vertical = has_vertical_entry(f.m);
    if (count_halting) sink.halting(g, f.r, f, f.mult * cfg.pow[free_after], f.r.steps + 1, vertical);
    f.move_mask = allowed_moves(f.m, root_east_only);
    if (free_after == 0) {
      // The last entry defined as a running transition: no halt can remain. Each child weighs
      // mult * (relabelling: n in all over next states) * (2 if it has a vertical entry).
      count_t total = 0;
      for (int mv = 0; mv < 4; ++mv)
        if ((f.move_mask >> mv) & 1u) total += (vertical || is_vertical(static_cast<uint8_t>(mv))) ? 2 : 1;
      sink.proved(f.mult * static_cast<count_t>(k * n) * total);
      return false;
    }
    f.w = 0;
    f.move = 0;
    while (!((f.move_mask >> f.move) & 1u)) ++f.move;
    f.next = 0;
    return true;
  };

  mem.frames[0].m = m0;
  mem.frames[0].r = r0;
  mem.frames[0].mult = mult0;
  if (!enter(0, !skip_halting, east_only)) return;

  while (level >= 0) {
    WalkFrame2d& f = mem.frames[level];
    const int states_choice = f.m.used_states < n ? f.m.used_states + 1 : n;
    if (f.w >= k || sink.cancelled()) { --level; continue; }
    const uint8_t w = f.w, move = f.move, next = f.next;
    if (++f.next >= states_choice) {
      f.next = 0;
      do { ++f.move; } while (f.move < 4 && !((f.move_mask >> f.move) & 1u));
      if (f.move >= 4) {
        f.move = 0;
        while (!((f.move_mask >> f.move) & 1u)) ++f.move;
        ++f.w;
      }
    }
    const count_t child_mult = next == f.m.used_states ? f.mult * static_cast<count_t>(n - f.m.used_states) : f.mult;
    WalkFrame2d& c = mem.frames[level + 1];
    c.m = f.m;
    define_entry(c.m, f.entry, Transition{w, move, next, 0});
    const Grid parent = mem.grid(level), child = mem.grid(level + 1);
    copy_box(child, parent, f.r);
    c.r = f.r;
    child.at(c.r.x, c.r.y) = w;
    c.r.state = next;
    c.r.steps++;
    bool stopped_proved = false;
    if (move_head_2d(c.r, child, move, 0) && escapes_2d(c.m, next, move, 0)) stopped_proved = true;
    const StopReason stop = stopped_proved ? StopReason::kProvedNonHalt
                                           : run_until_branch_2d(c.m, c.r, child, cfg.cutoff, 0, mem.scratch);
    sink.steps(c.r.steps - f.r.steps);
    const bool child_vertical = is_vertical(move) || has_vertical_entry(f.m);
    const count_t leaf_weight =
        child_mult * cfg.pow[nk - f.m.defined_count - 1] * static_cast<count_t>(child_vertical ? 2 : 1);
    if (stop == StopReason::kCutoff) {
      sink.cutoff(leaf_weight);
    } else if (stop == StopReason::kProvedNonHalt) {
      sink.proved(leaf_weight);
    } else if (cfg.frontier_depth > 0 && c.m.defined_count == cfg.frontier_depth) {
      sink.frontier(c.m, c.r, child_mult, child);
    } else {
      c.mult = child_mult;
      if (enter(level + 1, true, false)) ++level;
    }
  }
}

}  // namespace ctm
