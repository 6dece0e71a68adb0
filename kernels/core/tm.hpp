// The one definition of Turing-machine semantics (spec: shared/spec/ctm-formalism.md, sections 1-3).
// Partial machines, the step function, sound non-halting tests and output extraction live here and
// are shared by the CPU enumerator, the brute-force oracle and the CUDA kernels (CTM_HD).
#pragma once
#include <cstdint>
#include <cstring>

#include "core/deciders.hpp"
#include "core/hd.hpp"
#include "ctm/types.hpp"  // Move

namespace ctm {

constexpr int kMaxStates = 16;   // n
constexpr int kMaxSymbols = 16;  // k
constexpr int kMaxEntries = 16;  // n*k table entries (issue: n*k <= 16)

// One running transition of a partial machine. Halting entries are never stored in an internal node
// of the tree: a halting entry ends the run the first time it is read, so it only appears at leaves.
struct Transition {
  uint8_t write;
  uint8_t move;  // Move
  uint8_t next;  // 0-based state, 0 = initial
  uint8_t pad;
};

// A partial machine: the entries read so far (all running), the others undefined.
struct PartialMachine {
  uint8_t n, k;
  uint8_t used_states;  // states 0..used_states-1 have appeared (state relabelling, spec 2)
  uint8_t defined_count;
  uint32_t defined;  // bit e set <=> entry e = state*k + symbol is defined
  Transition entry[kMaxEntries];
  uint16_t successors[kMaxStates];  // bit q' of successors[q]: a defined entry of q goes to q'
};

// Index of the lowest set bit of a non-zero word.
CTM_HD int lowest_bit(uint32_t x) {
#if defined(__CUDA_ARCH__)
  return __ffs(static_cast<int>(x)) - 1;
#else
  return __builtin_ctz(x);
#endif
}

CTM_HD int entry_index(const PartialMachine& m, int state, int symbol) { return state * m.k + symbol; }
CTM_HD bool is_defined(const PartialMachine& m, int e) { return (m.defined >> e) & 1u; }

CTM_HD void define_entry(PartialMachine& m, int e, Transition t) {
  m.entry[e] = t;
  m.defined |= 1u << e;
  m.defined_count++;
  m.successors[e / m.k] |= static_cast<uint16_t>(1u << t.next);
  if (t.next >= m.used_states) m.used_states = t.next + 1;
}

// States that still have an undefined entry, as a bitmask over states (only these can lead to a halt).
CTM_HD uint32_t states_with_undefined(const PartialMachine& m) {
  uint32_t out = 0;
  const uint32_t full = (m.k >= 32) ? 0xffffffffu : ((1u << m.k) - 1u);
  for (int q = 0; q < m.n; ++q)
    if (((m.defined >> (q * m.k)) & full) != full) out |= 1u << q;
  return out;
}

// States reachable from `from` through defined transitions (including `from`).
CTM_HD uint32_t reachable_states(const PartialMachine& m, int from) {
  uint32_t reach = 1u << from, todo = reach;
  while (todo) {
    const int q = lowest_bit(todo);
    todo &= todo - 1;
    const uint32_t fresh = m.successors[q] & ~reach;
    reach |= fresh;
    todo |= fresh;
  }
  return reach;
}

// Escape test (spec 2, "an escape into blank tape in a cycle of states"): a head standing on
// never-visited (blank) tape in state q, having just moved in direction dir, provably runs forever
// when following the (state, blank) transitions, all defined and all moving in dir, returns to a
// state already seen: it only ever reads fresh blank cells.
CTM_HD bool escapes(const PartialMachine& m, int q, int dir, uint8_t blank) {
  uint32_t seen = 0;
  for (;;) {
    if ((seen >> q) & 1u) return true;
    seen |= 1u << q;
    const int e = q * m.k + blank;
    if (!is_defined(m, e) || m.entry[e].move != dir) return false;
    q = m.entry[e].next;
  }
}

// Index of the lowest set bit of a non-zero 64-bit word.
CTM_HD int lowest_bit64(uint64_t x) {
#if defined(__CUDA_ARCH__)
  return __ffsll(static_cast<long long>(x)) - 1;
#else
  return __builtin_ctzll(x);
#endif
}

// Closed n-gram position set (docs/deciders.md). Abstracts every configuration of the run from a
// blank tape into (state, the L cells left of the head, the head cell and the L-1 cells right of it)
// and the two sets of length-L windows that may occur on each side of the head. Stepping an
// abstract configuration adds the windows the step creates and, for the window the head uncovers,
// every window of that side that agrees with what is known. At the fixed point every real
// configuration is covered, so if none of the abstract ones reads an undefined entry, the run never
// does: the proof is about the machine alone. Decides bouncers, cyclers and translated cyclers whose
// tape patterns are visible through a window of L cells.
constexpr int kNgramMaxConfigWords = 128;  // abstract configurations: n * W * W <= 8192 bits
constexpr int kNgramShortWindow = 2;       // the first, cheap try of run_until_branch
constexpr int kNgramMaxWindow = 8;         // no cap: ngram_window() decides

// The window length used for a space: the largest L with W = k^L <= 64 windows per side and
// n * W * W abstract configurations within the fixed bitset (k=2: L=5 for n=3..8).
CTM_HD int ngram_window(int n, int k) {
  int len = 0;
  uint32_t w = 1;
  for (;;) {
    const uint32_t w2 = w * static_cast<uint32_t>(k);
    if (w2 > 64 || static_cast<uint32_t>(n) * w2 * w2 > 64u * kNgramMaxConfigWords) return len;
    w = w2;
    ++len;
  }
}

// True when the run of `m` from a tape of `blank` provably never reads an undefined entry.
// Worklist form: `pending` holds the abstract configurations still to expand; when a window set
// grows, only the configurations whose successors could use the new window are expanded again.
CTM_HD bool ngram_proof(const PartialMachine& m, int len, uint8_t blank) {
  const uint32_t k = m.k, n = m.n;
  uint32_t w_count = 1, blank_window = 0;
  for (int i = 0; i < len; ++i) { blank_window += w_count * blank; w_count *= k; }
  const uint32_t high = w_count / k;  // weight of the outermost cell of a window
  const uint32_t words = (n * w_count * w_count + 63) / 64;
  if (len < 1 || words > static_cast<uint32_t>(kNgramMaxConfigWords)) return false;
  // Windows: digit i (base k) is the i-th cell counted outward from the head. Left windows start at
  // the cell left of the head, right windows at the head cell.
  uint64_t left = 1ull << blank_window, right = 1ull << blank_window;
  uint64_t conf[kNgramMaxConfigWords], pending[kNgramMaxConfigWords];
  for (uint32_t i = 0; i < words; ++i) conf[i] = pending[i] = 0;
  const uint32_t first = blank_window * w_count + blank_window;  // state 0, blank both sides
  conf[first / 64] |= 1ull << (first % 64);
  pending[first / 64] |= 1ull << (first % 64);
  auto add = [&](uint32_t c) {
    if (!((conf[c / 64] >> (c % 64)) & 1u)) {
      conf[c / 64] |= 1ull << (c % 64);
      pending[c / 64] |= 1ull << (c % 64);
    }
  };
  // A new window `g` on side `dir`: configurations moving towards that side whose uncovered window
  // starts with g's first L-1 cells may now step onto it.
  auto revisit = [&](int dir, uint32_t g) {
    const uint32_t stem = g % high;
    for (uint32_t q = 0; q < n; ++q)
      for (uint32_t s = 0; s < k; ++s) {
        const uint32_t e = q * k + s;
        if (!is_defined(m, static_cast<int>(e)) || m.entry[e].move != dir) continue;
        // Moving right uncovers a right window: rw = s + k * stem, any lw. Moving left uncovers a
        // left window: lw = x + k * stem for any x (lw's first cell becomes the head cell), and
        // rw = s + k * rest for any rest.
        if (dir == kRight) {
          for (uint32_t lw = 0; lw < w_count; ++lw) {
            const uint32_t c = (q * w_count + lw) * w_count + s + k * stem;
            if ((conf[c / 64] >> (c % 64)) & 1u) pending[c / 64] |= 1ull << (c % 64);
          }
        } else {
          for (uint32_t x = 0; x < k; ++x)
            for (uint32_t rest = 0; rest < high; ++rest) {
              const uint32_t c = (q * w_count + x + k * stem) * w_count + s + k * rest;
              if ((conf[c / 64] >> (c % 64)) & 1u) pending[c / 64] |= 1ull << (c % 64);
            }
        }
      }
  };
  bool again = true;
  while (again) {
    again = false;
    for (uint32_t wi = 0; wi < words; ++wi) {
      while (pending[wi]) {
        again = true;
        const uint32_t c = wi * 64 + static_cast<uint32_t>(lowest_bit64(pending[wi]));
        pending[wi] &= pending[wi] - 1;
        const uint32_t rw = c % w_count, lw = (c / w_count) % w_count, q = c / (w_count * w_count);
        const uint32_t e = q * k + rw % k;
        if (!is_defined(m, static_cast<int>(e))) return false;
        const Transition t = m.entry[e];
        if (t.move == kRight) {
          const uint32_t new_lw = t.write + k * (lw % high);  // the written cell joins the left side
          if (!((left >> new_lw) & 1u)) { left |= 1ull << new_lw; revisit(kLeft, new_lw); }
          const uint32_t base = rw / k;
          for (uint32_t x = 0; x < k; ++x)
            if ((right >> (base + x * high)) & 1u) add((t.next * w_count + new_lw) * w_count + base + x * high);
        } else {
          const uint32_t moved = t.write + k * (rw / k);  // written cell and what was right of it
          const uint32_t new_rw = lw % k + k * (moved % high);  // the left neighbour is the new head cell
          if (!((right >> moved) & 1u)) { right |= 1ull << moved; revisit(kRight, moved); }
          if (!((right >> new_rw) & 1u)) { right |= 1ull << new_rw; revisit(kRight, new_rw); }
          const uint32_t base = lw / k;
          for (uint32_t x = 0; x < k; ++x)
            if ((left >> (base + x * high)) & 1u) add((t.next * w_count + base + x * high) * w_count + new_rw);
        }
      }
    }
  }
  return true;
}

// Cell copies and comparisons: memcpy/memcmp on the host (tape and scratch are distinct buffers),
// plain loops on the device.
CTM_HD void copy_cells(uint8_t* to, const uint8_t* from, int32_t count) {
#if defined(__CUDA_ARCH__)
  for (int32_t i = 0; i < count; ++i) to[i] = from[i];
#else
  std::memcpy(to, from, static_cast<size_t>(count));
#endif
}

CTM_HD bool same_cells(const uint8_t* a, const uint8_t* b, int32_t count) {
#if defined(__CUDA_ARCH__)
  for (int32_t i = 0; i < count; ++i)
    if (a[i] != b[i]) return false;
  return true;
#else
  return std::memcmp(a, b, static_cast<size_t>(count)) == 0;
#endif
}

// A run's configuration on a tape window. The tape is a caller-owned array of cells indexed by
// absolute position; cells outside [lo, hi] (the visited block) are treated as blank and are
// written blank the moment the head first reaches them.
struct RunState {
  int32_t head;
  int32_t lo, hi;    // visited block, inclusive
  uint32_t steps;    // transitions executed so far
  uint8_t state;
  uint8_t proof;     // Proof: which filter settled the run (set with StopReason::kProvedNonHalt)
};

// The sound non-halting filters (docs/deciders.md), for the accounting of which one settled a run.
enum Proof : uint8_t {
  kProofNone = 0,
  kProofComplete,    // every entry defined (all running): nothing can halt
  kProofReach,       // no state with an undefined entry is reachable from the current state
  kProofEscape,      // the head runs into fresh blank tape forever
  kProofCycle,       // the whole configuration repeats
  kProofTranslated,  // the configuration repeats shifted (translated cycler)
  kProofNgram,       // closed n-gram position set: bouncers and more (ngram_proof)
  kProofCount
};

// Names as recorded in table metadata (TableMeta::deciders), indexed by Proof.
CTM_HD const char* proof_name(int p) {
  switch (p) {
    case kProofComplete: return "complete";
    case kProofReach: return "reachability";
    case kProofEscape: return "escape";
    case kProofCycle: return "cycle";
    case kProofTranslated: return "translated-cycle";
    case kProofNgram: return "ngram-cps";
    default: return "none";
  }
}

// Executes one running transition: write, move, change state, count the step. A cell reached for the
// first time is set to blank. Returns true when the head entered never-visited tape.
template <class Tape>
CTM_HD bool apply_transition(const Transition t, RunState& r, Tape& tape, uint8_t blank) {
  tape[r.head] = t.write;
  r.state = t.next;
  r.steps++;
  if (t.move == kRight) {
    if (++r.head > r.hi) { r.hi = r.head; tape[r.head] = blank; return true; }
  } else {
    if (--r.head < r.lo) { r.lo = r.head; tape[r.head] = blank; return true; }
  }
  return false;
}

enum class StopReason : uint8_t {
  kUndefined,      // the head reads an entry that is not defined yet (a branch point)
  kCutoff,         // `cutoff` steps executed and the run has not halted
  kProvedNonHalt,  // a sound filter proved that the run never reads an undefined entry again
};

// Scratch memory for the non-halting proofs of run_until_branch: three tape copies of `capacity`
// cells each (enough for any visited block below the cutoff).
struct ProofScratch {
  uint8_t* cycle;   // whole visited block at the last exact-cycle snapshot
  uint8_t* right;   // visited block at the last right-edge reference
  uint8_t* left;    // visited block at the last left-edge reference
  int32_t capacity;
};

// Runs the defined (all running) transitions of `m` until one of the StopReasons. Sound filters,
// each of which only ever proves that a run never reads an undefined entry again (so a halting run
// is never touched; spec section 2):
//  - escape: the head on fresh blank tape in a state of the escape set (see escape_sets);
//  - reachability: no state with an undefined entry is reachable from the current state (tested
//    before the first step, so a child can be settled at creation, and at each snapshot);
//  - exact cycle: the whole configuration repeats (snapshots at doubling step counts; a repeat
//    needs the same visited block, since the block never shrinks);
//  - translated cycle: the head reaches fresh tape on the right in state q at steps t1 < t2, and
//    the cells from the leftmost cell read in between up to the head are the same at t1 and at t2
//    (shifted). The run from t2 then replays the run from t1 shifted, forever. Mirrored on the left.
//    t1 is the previous record in the same state (RecordCycles, deciders.hpp: up to 8 cells read
//    back) or a reference taken at doubling step counts (any width);
//  - n-gram: ngram_proof(), tried once after `ngram_after` steps of this call (0: never).
// r.proof says which one settled a kProvedNonHalt run.
template <class Tape>
CTM_HD StopReason run_until_branch(const PartialMachine& m, RunState& r, Tape& tape, uint32_t cutoff,
                                   uint8_t blank, const ProofScratch& scratch, uint32_t ngram_after = 0,
                                   int ngram_long = kNgramMaxWindow) {
  // With every entry defined (all running) nothing can halt; with no state that has an undefined
  // entry reachable from the current one, nothing can either (both settled before any step).
  const uint32_t all_entries = m.n * m.k >= 32 ? 0xffffffffu : ((1u << (m.n * m.k)) - 1u);
  if (m.defined == all_entries) { r.proof = kProofComplete; return StopReason::kProvedNonHalt; }
  uint32_t undefined_states = states_with_undefined(m);
  if (!(reachable_states(m, r.state) & undefined_states)) { r.proof = kProofReach; return StopReason::kProvedNonHalt; }
  uint8_t proof = kProofNone;
  // The n-gram proof is a property of the machine; it is tried once, on runs that go on for
  // `ngram_after` steps without branching (most runs branch within a few steps).
  // Two tries: a short window (cheap, decides most) after `ngram_after` steps, the full window
  // after 4x as many.
  uint32_t ngram_at = ngram_after ? r.steps + ngram_after : 0xffffffffu;
  int ngram_full = 0, ngram_len = 0;  // set at the first try: most runs never get there

  // The run's registers live in locals: stores through the (byte) tape pointer would otherwise
  // force the compiler to reload them at every step.
  const int k = m.k;
  const uint32_t defined = m.defined;
  Transition entry[kMaxEntries];
  for (int e = 0; e < kMaxEntries; ++e) entry[e] = m.entry[e];
  int32_t head = r.head, lo = r.lo, hi = r.hi;
  uint32_t steps = r.steps;
  int state = r.state;
  StopReason result;

  // Exact-cycle snapshot.
  bool cycle_valid = false;
  int32_t cycle_head = 0, cycle_lo = 0, cycle_hi = 0;
  int cycle_state = -1;
  uint32_t next_snapshot = steps + 8;
  // Translated-cycle references, one per direction: the fresh cell the head stood on, the state,
  // the visited block then (copied to scratch; cells outside it were blank) and the farthest the
  // head has gone back since (min position for right references, max for left ones).
  struct EdgeReference {
    bool valid;
    int state;
    int32_t pos, lo, hi, reach;
    uint32_t next_at;
  } ref[2] = {{false, -1, 0, 0, 0, 0, steps + 4}, {false, -1, 0, 0, 0, 0, steps + 4}};
  uint8_t* const ref_tape[2] = {scratch.left, scratch.right};
  RecordCycles records;  // the per-state record test (deciders.hpp)
  records.reset(head);

  uint32_t next_stop = ngram_at < cutoff ? ngram_at : cutoff;  // one test a step for both
  for (;;) {
    if (steps >= next_stop) {
      if (steps >= cutoff) { result = StopReason::kCutoff; break; }
      if (!ngram_len) {
        ngram_full = ngram_window(m.n, m.k) < ngram_long ? ngram_window(m.n, m.k) : ngram_long;
        ngram_len = ngram_full < kNgramShortWindow ? ngram_full : kNgramShortWindow;
      }
      if (ngram_proof(m, ngram_len, blank)) { proof = kProofNgram; result = StopReason::kProvedNonHalt; break; }
      const bool last = ngram_len >= ngram_full;
      ngram_at = last ? 0xffffffffu : steps + 3 * ngram_after;
      ngram_len = ngram_full;
      next_stop = ngram_at < cutoff ? ngram_at : cutoff;
    }
    const int e = state * k + tape[head];
    if (!((defined >> e) & 1u)) { result = StopReason::kUndefined; break; }
    const Transition t = entry[e];
    tape[head] = t.write;
    state = t.next;
    head += 2 * t.move - 1;
    ++steps;
    records.track(head);
    if (head > hi || head < lo) {
      const int dir = head > hi ? kRight : kLeft;
      if (dir == kRight) hi = head; else lo = head;
      tape[head] = blank;
      if (escapes(m, state, dir, blank)) { proof = kProofEscape; result = StopReason::kProvedNonHalt; break; }
      EdgeReference& rf = ref[dir];
      // The farthest back since the last record of this direction (RecordCycles tracks it).
      const int32_t back = records.back_since_record(dir);
      if (dir == kRight ? back < rf.reach : back > rf.reach) rf.reach = back;
      if (records.on_record(dir, state, head, tape, lo, hi, blank)) {
        proof = kProofTranslated; result = StopReason::kProvedNonHalt; break;
      }
      const uint8_t* saved = ref_tape[dir];
      if (rf.valid && state == rf.state) {
        // Compare the cells read since the reference (reach..pos then) with the same cells shifted.
        const int32_t shift = head - rf.pos;
        const int32_t from = dir == kRight ? rf.reach : rf.pos;
        const int32_t to = dir == kRight ? rf.pos : rf.reach;
        bool same = true;
        for (int32_t p = from; p <= to && same; ++p) {
          const uint8_t then = (p < rf.lo || p > rf.hi) ? blank : saved[p - rf.lo];
          same = tape[p + shift] == then;
        }
        if (same) { proof = kProofTranslated; result = StopReason::kProvedNonHalt; break; }
      }
      if (steps >= rf.next_at && hi - lo < scratch.capacity) {
        copy_cells(ref_tape[dir], &tape[lo], hi - lo + 1);
        rf = EdgeReference{true, state, head, lo, hi, head, steps * 2};
      }
      continue;  // the block grew: no exact repeat is possible at this step
    }
    if (state == cycle_state && head == cycle_head && cycle_valid && lo == cycle_lo && hi == cycle_hi) {
      if (same_cells(&tape[lo], scratch.cycle, hi - lo + 1)) { proof = kProofCycle; result = StopReason::kProvedNonHalt; break; }
    }
    if (steps >= next_snapshot) {
      if (hi - lo < scratch.capacity) {
        copy_cells(scratch.cycle, &tape[lo], hi - lo + 1);
        cycle_valid = true; cycle_state = state; cycle_head = head; cycle_lo = lo; cycle_hi = hi;
      }
      next_snapshot = steps * 2;
      // The reachable set only shrinks along a run; re-test it at each snapshot.
      if (!(reachable_states(m, state) & undefined_states)) { proof = kProofReach; result = StopReason::kProvedNonHalt; break; }
    }
  }
  r.head = head; r.lo = lo; r.hi = hi; r.steps = steps; r.state = static_cast<uint8_t>(state);
  r.proof = proof;
  return result;
}

}  // namespace ctm
