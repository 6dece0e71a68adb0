// The one definition of Turing-machine semantics (spec: shared/spec/ctm-formalism.md, sections 1-3).
// The step function and the run-based non-halting tests live here (partial machines in
// partial_machine.hpp, the n-gram proof in ngram.hpp); with them they are shared by the CPU enumerator, the brute-force oracle and the CUDA kernels (CTM_HD).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/backward.hpp"
#include "core/bouncer.hpp"
#include "core/deciders.hpp"
#include "core/ngram.hpp"
#include "core/partial_machine.hpp"
#include "core/hd.hpp"
#include "ctm/types.hpp"  // Move

namespace ctm {

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
  kProofBouncer,     // the tape grows by repeated words, proved for every size (bouncer_proof)
  kProofBackward,    // no chain of predecessors reaches an undefined entry (backward.hpp), at creation
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
    case kProofBouncer: return "bouncer";
    case kProofBackward: return "backward";
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
  BouncerLog log{};  // the run's records for the bouncer proof (none: it replays the run)
};

// The start tests of a run segment, before any step from `state`: with every entry defined (all
// running) nothing can halt; with no state that has an undefined entry reachable from `state`,
// nothing can either. Returns the proof that settles the segment, kProofNone when it stays open.
// run_until_branch makes them at its start; Tape1d::settled_at_creation makes them for a child before its
// first step, from the state its new transition goes to (that step is then not simulated), and the
// wavefront's run_node the same.
CTM_HD uint8_t settled_before_run(const PartialMachine& m, int state) {
  if (!undefined_entries(m)) return kProofComplete;
  if (!reaches_any(m, state, states_with_undefined(m))) return kProofReach;
  return kProofNone;
}

// What a run hands from a node of the walk to its children (Tape1d::Carry): the record test's state
// at the branch step (the child's run is the parent's, continued), and the node's transitions packed
// (pack_code), so that a child packs only its new entry.
struct RunCarry {
  RecordCycles records;
  uint32_t code[kMaxEntries];
  uint32_t escape[2];  // per direction, the states that escape on fresh blank tape (escape_sets)
  // A fresh carry for a run of `m` that starts at `head` (from blank when `from_blank`) on a tape of
  // `blank`.
  CTM_HD void reset(const PartialMachine& m, int32_t head, bool from_blank, uint8_t blank = 0) {
    records.reset(head, from_blank);
    pack_code(m, code);
    const EscapeSets s = escape_sets(m, blank);
    escape[0] = s.esc[0];
    escape[1] = s.esc[1];
  }
  CTM_HD void copy_from(const RunCarry& o, const PartialMachine& m) {
    records.copy_from(o.records, m.n);
    for (int e = 0; e < m.n * m.k; ++e) code[e] = o.code[e];
    escape[0] = o.escape[0];
    escape[1] = o.escape[1];
  }
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
//  - n-gram: ngram_proof(), tried once after `ngram_after` steps of this call (0: never);
//  - bouncer: bouncer_proof() (bouncer.hpp), tried after `bouncer_after` steps of this call and
//    again each time the call's steps double, while a success saves as many steps (0: never).
// r.proof says which one settled a kProvedNonHalt run.
// `carry.records` carries the record test across the segments of one run: the walk hands each child
// its parent's, as of the branch step (the child's run is the parent's run, continued), so a
// translated cycle that began before the branch is caught one period after it began, not one period
// after the child's first step. `carry.code` must be m's transitions as pack_code packs them (the
// loop runs those, not m.entry) and `carry.escape` m's escape sets for `blank`: RunCarry::reset
// computes both, and the walk's children add their new entry (Tape1d::run_child).
// `start_checked`: the caller has made the start tests (settled_before_run) already.
// The tape must be readable one cell beyond any cell the head can stand on before the cutoff (the
// loop loads both neighbours of the head): every tape of the engine has a spare cell each side.
template <class Tape>
CTM_HD StopReason run_until_branch(const PartialMachine& m, RunState& r, Tape& tape, uint32_t cutoff,
                                   uint8_t blank, const ProofScratch& scratch, RunCarry& carry,
                                   uint32_t ngram_after = 0, int ngram_long = kNgramMaxWindow,
                                   uint32_t bouncer_after = 0, bool start_checked = false) {
  RecordCycles& records = carry.records;
  if (!start_checked) {
    r.proof = settled_before_run(m, r.state);
    if (r.proof != kProofNone) return StopReason::kProvedNonHalt;
  }
  uint8_t proof = kProofNone;
  // The n-gram proof is a property of the machine; it is tried once, on runs that go on for
  // `ngram_after` steps without branching (most runs branch within a few steps).
  // Two tries: a short window (cheap, decides most) after `ngram_after` steps, the full window
  // kNgramLongDelay * ngram_after steps later.
  uint32_t ngram_at = ngram_after ? r.steps + ngram_after : 0xffffffffu;
  int ngram_full = 0, ngram_len = 0;  // set at the first try: most runs never get there
  // The bouncer proof looks at the run from blank: tried after `bouncer_after` steps of this call and
  // again whenever the call's steps double (a bouncer shows itself after a few sweeps), while a
  // success would save as many steps as the try comes after (bouncer_try_at).
  const uint32_t start = r.steps;
  uint32_t bouncer_at = bouncer_try_at(start, bouncer_after, cutoff);

  // The run's registers live in locals: stores through the (byte) tape pointer would otherwise
  // force the compiler to reload them at every step. The transitions come packed (carry.code),
  // indexed by state * k + symbol: write | (move << 8) | (next << 16) | (next * k << 24), so that a
  // step is one load of the cell and one of its entry, with no multiplication on the chain from one
  // step to the next; an undefined entry has next = 0xff.
  const int k = m.k;
  const uint32_t* const code = carry.code;
  uint8_t* const cells = &tape[0];
  int32_t head = r.head, lo = r.lo, hi = r.hi;
  uint32_t steps = r.steps;
  int state = r.state, row = state * k;
  int32_t back_l = records.back_since_record(kLeft), back_r = records.back_since_record(kRight);
  StopReason result;

  // Exact-cycle snapshot (cycle_head = INT32_MIN while there is none: the head never gets there).
  int32_t cycle_head = INT32_MIN, cycle_lo = 0, cycle_hi = 0;
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
  // One test a step for the cutoff and both scheduled proofs.
  auto next_stop_of = [&]() {
    const uint32_t proofs_at = ngram_at < bouncer_at ? ngram_at : bouncer_at;
    return proofs_at < cutoff ? proofs_at : cutoff;
  };
  uint32_t next_stop = next_stop_of();
  for (;;) {
    if (steps >= next_stop) {
      if (steps >= cutoff) { result = StopReason::kCutoff; break; }
      if (steps >= ngram_at) {
        if (!ngram_len) {
          ngram_full = ngram_window(m.n, m.k) < ngram_long ? ngram_window(m.n, m.k) : ngram_long;
          ngram_len = ngram_full < kNgramShortWindow ? ngram_full : kNgramShortWindow;
        }
        if (ngram_proof(m, ngram_len, blank)) { proof = kProofNgram; result = StopReason::kProvedNonHalt; break; }
        const bool last = ngram_len >= ngram_full;
        ngram_at = last ? 0xffffffffu : steps + kNgramLongDelay * ngram_after;
        ngram_len = ngram_full;
      }
      if (steps >= bouncer_at) {
        const bool logged = scratch.log.time && records.log_ok();
        if (bouncer_proof(m, steps, blank, logged ? &scratch.log : nullptr, records.logged())) {
          proof = kProofBouncer;
          result = StopReason::kProvedNonHalt;
          break;
        }
        bouncer_at = bouncer_try_at(start, 2 * static_cast<uint64_t>(steps - start), cutoff);
      }
      next_stop = next_stop_of();
    }
    // The steps themselves, in a loop of their own that leaves only for an event: the head on fresh
    // tape, a possible exact repeat (head and state of the snapshot), the next scheduled test
    // (snapshot, n-gram, cutoff) or an undefined entry. The tests below run exactly where the
    // one-step-at-a-time loop ran them.
    {
      const uint32_t limit = next_stop < next_snapshot ? next_stop : next_snapshot;
      const uint32_t span = static_cast<uint32_t>(hi - lo);
      // Pointers, so that a step's chain of dependent operations is the two loads and the head's
      // move (no index arithmetic or sign extension between them): the head cell, the row of the
      // current state in `code`, and the same for the exact-cycle snapshot (none: null).
      uint8_t* at = cells + head;
      uint8_t* const from = cells + lo;
      const uint32_t* row_at = code + row;
      uint8_t* const cycle_at = cycle_head == INT32_MIN ? nullptr : cells + cycle_head;
      const uint32_t* const cycle_row_at = code + (cycle_state < 0 ? 0 : cycle_state * k);
      uint8_t* back_r_at = cells + back_r;
      uint8_t* back_l_at = cells + back_l;
      uint32_t c;
      bool undefined = false;
      uint32_t cur = *at;
      for (;;) {
        c = row_at[cur];
        if ((c & kUndefinedCode) == kUndefinedCode) { undefined = true; break; }
        // Both neighbours are loaded while the entry is looked up, so the next step's cell does not
        // wait for the head's move (the chain is then one load a step, not two).
        const uint32_t left_cell = at[-1], right_cell = at[1];
        *at = static_cast<uint8_t>(c);
        row_at = code + (c >> 24);
        const bool right = (c >> 8) & 1u;
        cur = right ? right_cell : left_cell;
        at += static_cast<ptrdiff_t>((c >> 7) & 2u) - 1;
        ++steps;
        // The farthest back since the last record of each direction, kept in registers here (the
        // record test's copy is in memory the tape stores may alias) and handed over at each record.
        back_r_at = at < back_r_at ? at : back_r_at;
        back_l_at = at > back_l_at ? at : back_l_at;
        if (static_cast<uint32_t>(at - from) > span || steps >= limit || (at == cycle_at && row_at == cycle_row_at)) break;
      }
      head = static_cast<int32_t>(at - cells);
      row = static_cast<int>(row_at - code);
      back_r = static_cast<int32_t>(back_r_at - cells);
      back_l = static_cast<int32_t>(back_l_at - cells);
      if (undefined) { state = row / k; result = StopReason::kUndefined; break; }
      state = (c >> 16) & 0xff;
    }
    if (static_cast<uint32_t>(head - lo) > static_cast<uint32_t>(hi - lo)) {
      const int dir = head > hi ? kRight : kLeft;
      if (dir == kRight) hi = head; else lo = head;
      cells[head] = blank;
      if ((carry.escape[dir] >> state) & 1u) { proof = kProofEscape; result = StopReason::kProvedNonHalt; break; }
      EdgeReference& rf = ref[dir];
      // The farthest back since the last record of this direction.
      const int32_t back = dir == kRight ? back_r : back_l;
      if (dir == kRight ? back < rf.reach : back > rf.reach) rf.reach = back;
      records.set_back(back_l, back_r);
      if (records.log_ok()) scratch.log.add(records.logged(), steps, dir, state);
      const bool repeats = records.on_record(dir, state, head, cells, lo, hi, blank);
      back_l = records.back_since_record(kLeft);
      back_r = records.back_since_record(kRight);
      if (repeats) { proof = kProofTranslated; result = StopReason::kProvedNonHalt; break; }
      const uint8_t* saved = ref_tape[dir];
      if (rf.valid && state == rf.state) {
        // Compare the cells read since the reference (reach..pos then) with the same cells shifted.
        const int32_t shift = head - rf.pos;
        const int32_t from = dir == kRight ? rf.reach : rf.pos;
        const int32_t to = dir == kRight ? rf.pos : rf.reach;
        bool same = true;
        for (int32_t p = from; p <= to && same; ++p) {
          const uint8_t then = (p < rf.lo || p > rf.hi) ? blank : saved[p - rf.lo];
          same = cells[p + shift] == then;
        }
        if (same) { proof = kProofTranslated; result = StopReason::kProvedNonHalt; break; }
      }
      if (steps >= rf.next_at && hi - lo < scratch.capacity) {
        copy_cells(ref_tape[dir], &cells[lo], hi - lo + 1);
        rf = EdgeReference{true, state, head, lo, hi, head, steps * 2};
      }
      continue;  // the block grew: no exact repeat is possible at this step
    }
    if (head == cycle_head && state == cycle_state && lo == cycle_lo && hi == cycle_hi) {
      if (same_cells(&cells[lo], scratch.cycle, hi - lo + 1)) { proof = kProofCycle; result = StopReason::kProvedNonHalt; break; }
    }
    if (steps >= next_snapshot) {
      if (hi - lo < scratch.capacity) {
        copy_cells(scratch.cycle, &cells[lo], hi - lo + 1);
        cycle_state = state; cycle_head = head; cycle_lo = lo; cycle_hi = hi;
      }
      next_snapshot = steps * 2;
      // The reachable set only shrinks along a run; re-test it at each snapshot.
      if (!reaches_any(m, state, states_with_undefined(m))) { proof = kProofReach; result = StopReason::kProvedNonHalt; break; }
    }
  }
  records.set_back(back_l, back_r);
  r.head = head; r.lo = lo; r.hi = hi; r.steps = steps; r.state = static_cast<uint8_t>(state);
  r.proof = proof;
  return result;
}

// A run from a blank tape or a standalone segment: the record test starts at this call.
template <class Tape>
CTM_HD StopReason run_until_branch(const PartialMachine& m, RunState& r, Tape& tape, uint32_t cutoff,
                                   uint8_t blank, const ProofScratch& scratch, uint32_t ngram_after = 0,
                                   int ngram_long = kNgramMaxWindow, uint32_t bouncer_after = 0) {
  RunCarry carry;
  carry.reset(m, r.head, r.steps == 0, blank);
  return run_until_branch(m, r, tape, cutoff, blank, scratch, carry, ngram_after, ngram_long, bouncer_after);
}

// The first step of a child's run: its new transition t, with the record test fed and, when the head
// enters fresh tape, the escape and record tests run, as run_until_branch does for every later step.
// Returns true when that already proves the run non-halting (r.proof says which).
template <class Tape>
CTM_HD bool first_step(Transition t, RunState& r, Tape& tape, uint8_t blank, RunCarry& carry, const BouncerLog& log) {
  RecordCycles& records = carry.records;
  const bool fresh = apply_transition(t, r, tape, blank);
  records.track(r.head);
  if (!fresh) return false;
  const int dir = t.move;
  if (records.log_ok()) log.add(records.logged(), r.steps, dir, r.state);
  if ((carry.escape[dir] >> r.state) & 1u) { r.proof = kProofEscape; return true; }
  if (records.on_record(dir, r.state, r.head, tape, r.lo, r.hi, blank)) { r.proof = kProofTranslated; return true; }
  return false;
}

// Rebuilds the record test's state of a run that stopped at `r` (a work item's node) by replaying it
// from the blank tape on `tape` (a free tape of the walk's width): every entry the run read is
// defined in `m`. The result is the state the walk would have carried down to this node, so a walk
// gives the same proofs, steps and accounting however the tree is cut into work items.
// The records of the replay go to `log` (the bouncer proof's).
template <class Tape>
CTM_HD void replay_records(const PartialMachine& m, const RunState& r, Tape& tape, uint8_t blank, RecordCycles& records,
                           const BouncerLog& log) {
  RunState q{0, 0, 0, 0, 0, 0};
  tape[0] = blank;
  records.reset(0, true);
  while (q.steps < r.steps) {
    const Transition t = m.entry[q.state * m.k + tape[q.head]];
    const bool fresh = apply_transition(t, q, tape, blank);
    records.track(q.head);
    if (fresh) {
      log.add(records.logged(), q.steps, t.move, q.state);
      records.on_record(t.move, q.state, q.head, tape, q.lo, q.hi, blank);
    }
  }
}

}  // namespace ctm
