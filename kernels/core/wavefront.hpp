// The converged-warp enumeration (issue 10, point 1): a level-synchronous wavefront over the tree of
// partial machines. A node is only its packed transition table and multiplicity; run_node() re-runs
// it from the blank tape on a bit-packed tape small enough for registers or shared memory, and
// make_child() builds its children with walk_subtree()'s exact weights and relabelling
// multiplicities. CTM_HD, C++17: the CPU emulation (host/engine/wavefront.cpp) and CUDA run it.
#pragma once
#include <cstdint>

#include "core/tm.hpp"
#include "core/tree_walk.hpp"

namespace ctm {

// A node of the wavefront: the running entries defined so far, each packed as
// write | move << 4 | next << 5 (k, n <= 16), the relabelling multiplicity (a product of
// (n - used) factors, at most 15!: fits 64 bits) and the step at which its parent's run read the
// undefined entry this node defines (the child's run passes through it: proofs start after it, as
// they do when the CPU walk resumes the parent's tape there).
struct WaveNode {
  uint16_t entry[kMaxEntries];
  uint32_t defined;
  uint32_t parent_steps;
  uint64_t mult;
  uint8_t n, k, used_states, defined_count;
  uint8_t root;  // 1 for the empty machine: its running children move right only (mirror symmetry)
  uint8_t pad[3];
};
static_assert(sizeof(WaveNode) == 56, "WaveNode is copied between host and device as is");

CTM_HD uint16_t pack_transition(Transition t) {
  return static_cast<uint16_t>(t.write | t.move << 4 | t.next << 5);
}
CTM_HD Transition unpack_transition(uint16_t p) {
  return Transition{static_cast<uint8_t>(p & 15u), static_cast<uint8_t>((p >> 4) & 1u), static_cast<uint8_t>(p >> 5), 0};
}

// The empty machine of an (n,k) space: the root of the tree.
CTM_HD WaveNode root_node(int n, int k) {
  WaveNode w{};
  w.n = static_cast<uint8_t>(n);
  w.k = static_cast<uint8_t>(k);
  w.used_states = 1;
  w.mult = 1;
  w.root = 1;
  return w;
}

// The node as the PartialMachine that tm.hpp's proofs take (successor sets rebuilt).
CTM_HD void unpack_node(const WaveNode& w, PartialMachine& m) {
  m.n = w.n;
  m.k = w.k;
  m.used_states = w.used_states;
  m.defined_count = w.defined_count;
  m.defined = w.defined;
  for (int q = 0; q < kMaxStates; ++q) m.successors[q] = 0;
  for (int e = 0; e < kMaxEntries; ++e) {
    m.entry[e] = unpack_transition(w.entry[e]);
    if ((w.defined >> e) & 1u) m.successors[e / w.k] |= static_cast<uint16_t>(1u << m.entry[e].next);
  }
}

// Bits a tape cell takes: a power of two so that no cell straddles two words (k=2: 1, k<=4: 2, else 4).
CTM_HD int tape_bits(int k) { return k <= 2 ? 1 : (k <= 4 ? 2 : 4); }

// A bit-packed tape of Words 32-bit words, all cells blank (0) until written. The run starts at the
// middle cell; a run of T steps needs 2T+1 cells, plus one each side for the head's last move.
template <int Words>
struct WaveTape {
  uint32_t word[Words];
  CTM_HD static int32_t capacity(int bits) { return Words * 32 / bits; }
  CTM_HD static bool fits(int k, uint32_t cutoff) { return 2 * static_cast<int64_t>(cutoff) + 3 <= capacity(tape_bits(k)); }
  CTM_HD void clear() {
    for (int i = 0; i < Words; ++i) word[i] = 0;
  }
  CTM_HD uint32_t get(int32_t cell, int bits) const {
    const uint32_t bit = static_cast<uint32_t>(cell) * bits;
    return (word[bit >> 5] >> (bit & 31u)) & ((1u << bits) - 1u);
  }
  CTM_HD void set(int32_t cell, int bits, uint32_t v) {
    const uint32_t bit = static_cast<uint32_t>(cell) * bits;
    const uint32_t mask = ((1u << bits) - 1u) << (bit & 31u);
    word[bit >> 5] = (word[bit >> 5] & ~mask) | (v << (bit & 31u));
  }
};

// How a node's run ended, where, and after how many steps. For kUndefined: `entry` is the undefined
// entry read at step steps + 1, and tape cells [lo, hi] hold the visited block.
struct NodeRun {
  uint32_t steps;
  int32_t head, lo, hi;
  uint8_t state, stop, proof, entry;  // stop: StopReason; proof: Proof (for kProvedNonHalt)
};

// The proofs run_node tries: the cheap ones always (complete, escape, reachability); the exact and
// translated cycles when tape scratch (WaveScratch) is given; the n-gram proof (machine only, no
// tape) after ngram_after steps of the node's own segment (0: never); the bouncer proof (a replay
// from blank) after bouncer_after steps of it and whenever they double. All as run_until_branch runs
// them; without scratch their runs go on to the cutoff (or the n-gram proof), which changes only the
// proved / cut-off split, never a halting count.
struct WaveProofs {
  uint32_t ngram_after = kNgramAfter;
  int ngram_long = kNgramLong;
  uint32_t bouncer_after = kBouncerAfter;  // as WalkConfig::bouncer_after (0 = never)
};

// The tapes the cycle proofs compare with: the last exact-cycle snapshot and one translated-cycle
// reference per direction (indexed by Move), each a copy of the tape's words over a visited block.
template <int Words>
struct WaveScratch {
  WaveTape<Words> cycle, edge[2];
};

// One lane's work: runs node `w` from the blank tape until it reads an undefined entry, is proved
// non-halting or reaches the cutoff. `tape` must fit the cutoff (WaveTape::fits) and comes back
// holding the final tape; `scratch` (or nullptr) enables the exact and translated cycle proofs.
// The transitions are the engine's own (tm.hpp); every proof is one of run_until_branch's,
// scheduled from the step where the node's own segment starts (its parent's branch step + 1), so
// the runs, their steps, outputs and proofs are exactly the CPU walk's (tests/test_wavefront.cpp).
template <int Words>
CTM_HD NodeRun run_node(const WaveNode& w, uint32_t cutoff, const WaveProofs& proofs, WaveTape<Words>& tape,
                        WaveScratch<Words>* scratch) {
  PartialMachine m;
  unpack_node(w, m);
  const int k = w.k, bits = tape_bits(k);
  const int32_t origin = WaveTape<Words>::capacity(bits) / 2;
  tape.clear();
  NodeRun out{0, origin, origin, origin, 0, static_cast<uint8_t>(StopReason::kUndefined), kProofNone, 0};
  if (!undefined_entries(m)) {
    out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt);
    out.proof = kProofComplete;
    return out;
  }
  const uint32_t own = w.root ? 0 : w.parent_steps + 1;  // first step of the node's own segment
  uint32_t ngram_at = proofs.ngram_after ? own + proofs.ngram_after : 0xffffffffu;
  const int ngram_full = ngram_window(w.n, w.k) < proofs.ngram_long ? ngram_window(w.n, w.k) : proofs.ngram_long;
  int ngram_len = ngram_full < kNgramShortWindow ? ngram_full : kNgramShortWindow;
  uint32_t bouncer_at = bouncer_try_at(own, proofs.bouncer_after, cutoff);
  bool cycle_valid = false;
  int32_t cycle_head = 0, cycle_lo = 0, cycle_hi = 0;
  int cycle_state = -1;
  uint32_t next_snapshot = own + 8;
  // Translated-cycle references, one per direction, as run_until_branch keeps them: the fresh cell
  // the head stood on, the state, the visited block then (in scratch->edge) and the farthest the
  // head has gone back since.
  struct EdgeReference {
    bool valid;
    int state;
    int32_t pos, reach;
    uint32_t next_at;
  } ref[2] = {{false, -1, 0, 0, own + 4}, {false, -1, 0, 0, own + 4}};
  if (scratch) {
    scratch->edge[0].clear();
    scratch->edge[1].clear();
  }

  // The record test (deciders.hpp) reads the packed tape through this view, from the segment start.
  struct PackedView {
    const WaveTape<Words>& t;
    int bits;
    CTM_HD uint8_t operator[](int32_t p) const { return static_cast<uint8_t>(t.get(p, bits)); }
  } const view{tape, bits};
  RecordCycles records;  // fed from the blank tape on: the CPU walk carries it from node to child
  records.reset(origin);
  const uint32_t undefined_states = states_with_undefined(m);

  int32_t head = origin, lo = origin, hi = origin;
  uint32_t steps = 0;
  int state = 0;
  for (;;) {
    // The segment's start tests (settled_before_run), as the CPU walk makes them: the root's before
    // its first step; a child's before its first step too (its new entry, read next), from the state
    // that entry goes to (Tape1d::settled_at_creation).
    if (steps + (w.root ? 0 : 1) == own) {
      const int first = state * k + static_cast<int>(tape.get(head, bits));  // a child's new entry
      const int from = w.root ? state : m.entry[first].next;
      uint8_t settled = settled_before_run(m, from);
      // The walk's node verdict (backward_for_children of the parent, m without its new entry).
      if (settled == kProofNone && !w.root) {
        const BackwardVerdict b = backward_search(m, m.defined & ~(1u << first), undefined_entries(m), 0);
        const Transition t = m.entry[first];
        if (b.refuted && b.unchanged_by(t.write, t.move, t.next, k)) settled = kProofBackward;
      }
      if (settled != kProofNone) {
        out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt);
        out.proof = settled;
        break;
      }
    }
    if (steps >= cutoff) { out.stop = static_cast<uint8_t>(StopReason::kCutoff); break; }
    if (steps >= ngram_at) {
      if (ngram_proof(m, ngram_len, 0)) { out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt); out.proof = kProofNgram; break; }
      ngram_at = ngram_len >= ngram_full ? 0xffffffffu : steps + kNgramLongDelay * proofs.ngram_after;
      ngram_len = ngram_full;
    }
    if (steps >= bouncer_at) {
      if (bouncer_proof(m, steps, 0)) { out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt); out.proof = kProofBouncer; break; }
      bouncer_at = bouncer_try_at(own, 2 * static_cast<uint64_t>(steps - own), cutoff);
    }
    const int e = state * k + static_cast<int>(tape.get(head, bits));
    if (!((w.defined >> e) & 1u)) { out.entry = static_cast<uint8_t>(e); break; }
    const Transition t = m.entry[e];
    tape.set(head, bits, t.write);
    state = t.next;
    head += 2 * t.move - 1;
    ++steps;
    records.track(head);
    if (head > hi || head < lo) {
      const int dir = head > hi ? kRight : kLeft;
      if (dir == kRight) hi = head; else lo = head;
      if (steps < own) {  // an ancestor's segment: only the record test's state moves on
        if (scratch) records.on_record(dir, state, head, view, lo, hi, 0);
        continue;
      }
      if (escapes(m, state, dir, 0)) {
        out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt);
        out.proof = kProofEscape;
        break;
      }
      if (!scratch) continue;
      if (steps == own) {  // the node's first step (first_step of tm.hpp): the record test only
        if (records.on_record(dir, state, head, view, lo, hi, 0)) {
          out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt);
          out.proof = kProofTranslated;
          break;
        }
        continue;
      }
      EdgeReference& rf = ref[dir];
      const int32_t back = records.back_since_record(dir);
      if (dir == kRight ? back < rf.reach : back > rf.reach) rf.reach = back;
      if (records.on_record(dir, state, head, view, lo, hi, 0)) {
        out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt);
        out.proof = kProofTranslated;
        break;
      }
      const WaveTape<Words>& saved = scratch->edge[dir];
      if (rf.valid && state == rf.state) {
        // The cells read since the reference (reach..pos then) against the same cells shifted; the
        // saved copy is blank outside the block it was taken over.
        const int32_t shift = head - rf.pos;
        const int32_t from = dir == kRight ? rf.reach : rf.pos;
        const int32_t to = dir == kRight ? rf.pos : rf.reach;
        bool same = true;
        for (int32_t p = from; p <= to && same; ++p) same = tape.get(p + shift, bits) == saved.get(p, bits);
        if (same) {
          out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt);
          out.proof = kProofTranslated;
          break;
        }
      }
      if (steps >= rf.next_at) {
        for (int32_t i = lo * bits >> 5, last = hi * bits >> 5; i <= last; ++i) scratch->edge[dir].word[i] = tape.word[i];
        rf = EdgeReference{true, state, head, head, steps * 2};
      }
      continue;  // the block grew: no exact repeat is possible at this step
    }
    if (steps <= own) continue;
    // Cells outside [lo, hi] are blank in both tapes, so equal words over the block mean an equal tape.
    const int32_t w_lo = lo * bits >> 5, w_hi = hi * bits >> 5;
    if (scratch && cycle_valid && state == cycle_state && head == cycle_head && lo == cycle_lo && hi == cycle_hi) {
      bool same = true;
      for (int32_t i = w_lo; i <= w_hi && same; ++i) same = tape.word[i] == scratch->cycle.word[i];
      if (same) { out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt); out.proof = kProofCycle; break; }
    }
    if (steps >= next_snapshot) {
      if (scratch) {
        for (int32_t i = w_lo; i <= w_hi; ++i) scratch->cycle.word[i] = tape.word[i];
        cycle_valid = true; cycle_state = state; cycle_head = head; cycle_lo = lo; cycle_hi = hi;
      }
      next_snapshot = steps * 2;
      if (!reaches_any(m, state, undefined_states)) {
        out.stop = static_cast<uint8_t>(StopReason::kProvedNonHalt);
        out.proof = kProofReach;
        break;
      }
    }
  }
  out.steps = steps;
  out.head = head;
  out.lo = lo;
  out.hi = hi;
  out.state = static_cast<uint8_t>(state);
  return out;
}

// The packed key (pack_output's format) of a halting leaf: the visited block with the head cell
// replaced by head_value; 0 when it does not fit 64 bits (the long-output path).
template <int Words>
CTM_HD uint64_t wave_output_key(const WaveTape<Words>& tape, const NodeRun& r, uint8_t head_value, int k) {
  const int len = r.hi - r.lo + 1, bits = bits_per_symbol(k), tbits = tape_bits(k);
  if (len * bits > 58) return 0;
  uint64_t digits = 0;
  for (int32_t p = r.lo; p <= r.hi; ++p) digits = (digits << bits) | (p == r.head ? head_value : tape.get(p, tbits));
  return static_cast<uint64_t>(len) << 58 | digits;
}

// Running children of a node that read undefined entry e: k writes x 2 moves (right only at the
// root) x (used states + one new one, at most n), in walk_subtree's odometer order.
CTM_HD int child_count(const WaveNode& w) {
  const int states_choice = w.used_states < w.n ? w.used_states + 1 : w.n;
  return w.k * (w.root ? 1 : 2) * states_choice;
}

// Child `index` (0 <= index < child_count) of node `w` whose run read undefined entry `e` at step
// `steps` + 1. The multiplicity of a not-yet-used target state counts all n - used of them.
CTM_HD WaveNode make_child(const WaveNode& w, int e, int index, uint32_t steps) {
  const int states_choice = w.used_states < w.n ? w.used_states + 1 : w.n;
  const int moves = w.root ? 1 : 2;
  const uint8_t next = static_cast<uint8_t>(index % states_choice);
  const uint8_t move = w.root ? static_cast<uint8_t>(kRight) : static_cast<uint8_t>((index / states_choice) % moves);
  const uint8_t write = static_cast<uint8_t>(index / states_choice / moves);
  WaveNode c = w;
  c.root = 0;
  c.entry[e] = pack_transition(Transition{write, move, next, 0});
  c.defined |= 1u << e;
  c.defined_count++;
  c.parent_steps = steps;
  if (next == w.used_states) {
    c.mult = w.mult * static_cast<uint64_t>(w.n - w.used_states);
    c.used_states = static_cast<uint8_t>(next + 1);
  }
  return c;
}

// Leaf weights (machines of the whole space a leaf stands for, before the mirror and blank
// symmetries), as walk_subtree counts them; pow[i] = (k(2n+1))^i.
// Each of the k halting leaves of a node that read an undefined entry (its last free entry is read).
CTM_HD count_t halting_weight(const WaveNode& w, const count_t* pow) {
  return static_cast<count_t>(w.mult) * pow[w.n * w.k - w.defined_count - 1];
}
// A node proved non-halting or cut off: every completion of its undefined entries.
CTM_HD count_t settled_weight(const WaveNode& w, const count_t* pow) {
  return static_cast<count_t>(w.mult) * pow[w.n * w.k - w.defined_count];
}
// True when the entry just read is the node's last undefined one: no running child can halt.
CTM_HD bool last_free_entry(const WaveNode& w) { return w.defined_count + 1 == w.n * w.k; }
// All running children of such a node at once (relabelling included), as walk_subtree's enter().
CTM_HD count_t all_children_weight(const WaveNode& w) {
  return static_cast<count_t>(w.mult) * static_cast<count_t>(w.k * w.n * (w.root ? 1 : 2));
}

}  // namespace ctm
