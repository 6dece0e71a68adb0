// Backward reasoning from the undefined entries (docs/deciders.md, "backward"): a depth-limited
// search of the configurations that could precede the reading of an undefined entry. When every
// such chain of predecessors dies (a cell it needs disagrees with what the step before wrote)
// before it is kBackwardDepth steps long, no run from the blank tape ever reads that entry.
// The walk asks it once per node, for the children of the node's branch entry (the entry it stops
// at): the search is over the node's transitions, so it holds for every child whose new transition
// it would never step back over (BackwardVerdict::usable, unchanged_by). CTM_HD: the CPU walk, the
// wavefront and the CUDA kernels run the same test.
#pragma once
#include <cstdint>

#include "core/hd.hpp"
#include "core/partial_machine.hpp"

namespace ctm {

constexpr int kBackwardDepth = 4;  // steps of predecessors (docs/deciders.md: depth 8 settles 1% more)

struct BackwardVerdict {
  bool refuted;  // no run from blank reads any of the target entries
  // Per state q, the transitions into q that the search would have stepped back over had the machine
  // had them: bit (move * k + write) when some node of state q that the search expanded accepts a
  // predecessor that moved `move` and wrote `write` (its cell on that side unknown or `write`).
  uint32_t usable[kMaxStates];
  // Whether a machine with one more transition, (write, move, next), has the same search: that
  // transition is never a predecessor the search would take.
  CTM_HD bool unchanged_by(int write, int move, int next, int k) const {
    return !((usable[next] >> (move * k + write)) & 1u);
  }
};

// Whether no run of a machine with the transitions `m.entry[e]` for e in `transitions` (all running)
// from the blank tape ever reads an entry of `targets`, proved by backward reasoning to depth
// kBackwardDepth. A search node is a state and the cells around the head that the chain needs
// (window of 2 kBackwardDepth + 1 cells, head in the middle; 0xff: not needed). Stepping back over a
// transition (p, x) -> (w, d, q) into the node's state q: the head came from the neighbour on the
// side opposite to d, which must hold w (what the step wrote) if the chain needs it; before the
// step, that cell held x and the state was p. A chain stays open (the verdict is not refuted) when it
// reaches the depth limit or a configuration that the start (state 0 on blank tape) satisfies: a run
// that reads a target at step t has its last min(t, depth) steps as such a chain.
CTM_HD BackwardVerdict backward_search(const PartialMachine& m, uint32_t transitions, uint32_t targets, uint8_t blank) {
  constexpr int kWidth = 2 * kBackwardDepth + 1, kMid = kBackwardDepth;
  struct Node {
    uint8_t state, depth;
    uint8_t cell[kWidth];
  };
  // Depth-first: at most (kBackwardDepth) levels of at most n k pending predecessors each, plus roots.
  Node stack[kBackwardDepth * kMaxEntries + kMaxEntries];
  int top = 0;
  BackwardVerdict out;
  out.refuted = false;
  const int k = m.k, entries = m.n * m.k;
  for (int q = 0; q < m.n; ++q) out.usable[q] = 0;
  const uint32_t writes = k >= 32 ? 0xffffffffu : (1u << k) - 1u;
  // The transitions into each state (bit e of incoming[q]: entry e goes to q).
  uint32_t incoming[kMaxStates];
  for (int q = 0; q < m.n; ++q) incoming[q] = 0;
  for (uint32_t left = transitions; left; left &= left - 1) {
    const int e = lowest_bit(left);
    incoming[m.entry[e].next] |= 1u << e;
  }
  for (int e = 0; e < entries; ++e) {
    if (!((targets >> e) & 1u)) continue;
    Node& root = stack[top++];
    root.state = static_cast<uint8_t>(e / k);
    root.depth = 0;
    for (int i = 0; i < kWidth; ++i) root.cell[i] = 0xff;
    root.cell[kMid] = static_cast<uint8_t>(e % k);
    if (root.state == 0 && root.cell[kMid] == blank) return out;
  }
  while (top > 0) {
    const Node node = stack[--top];
    if (node.depth == kBackwardDepth) return out;
    // The predecessors this node would take: moving right, the head came from the left (kMid - 1)
    // and wrote there; moving left, from the right.
    for (int move = 0; move < 2; ++move) {
      const uint8_t there = node.cell[move == kRight ? kMid - 1 : kMid + 1];
      out.usable[node.state] |= (there == 0xff ? writes : 1u << there) << (move * k);
    }
    for (uint32_t into = incoming[node.state]; into; into &= into - 1) {
      const int e = lowest_bit(into);
      const Transition t = m.entry[e];
      // The head moved by dir = +1 (right) or -1 (left) onto the node's head cell: it came from
      // kMid - dir, where it wrote t.write.
      const int dir = t.move == kRight ? 1 : -1;
      const uint8_t there = node.cell[kMid - dir];
      if (there != 0xff && there != t.write) continue;
      Node& prev = stack[top];
      prev.state = static_cast<uint8_t>(e / k);
      prev.depth = static_cast<uint8_t>(node.depth + 1);
      // Recentred on the head before the step: prev.cell[i] = node.cell[i - dir].
      for (int i = 0; i < kWidth; ++i) {
        const int from = i - dir;
        prev.cell[i] = from >= 0 && from < kWidth ? node.cell[from] : 0xff;
      }
      prev.cell[kMid] = static_cast<uint8_t>(e % k);  // read before the write
      bool start = prev.state == 0;
      for (int i = 0; i < kWidth && start; ++i) start = prev.cell[i] == 0xff || prev.cell[i] == blank;
      if (start) return out;
      ++top;
    }
  }
  out.refuted = true;
  return out;
}

// The verdict for the children of a node's branch entry `e`: every other undefined entry of `m`
// (the node) refuted over m's transitions. A child whose new transition the search would never take
// (BackwardVerdict::unchanged_by) has the same search, so it is settled too.
CTM_HD BackwardVerdict backward_for_children(const PartialMachine& m, int e, uint8_t blank) {
  return backward_search(m, m.defined, undefined_entries(m) & ~(1u << e), blank);
}

}  // namespace ctm
