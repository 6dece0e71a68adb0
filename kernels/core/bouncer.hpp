// The bouncer proof (docs/deciders.md, "bouncer"): a run-based proof that a partial machine's run
// from the blank tape never reads an undefined entry, for runs whose tape grows linearly between
// sweeps (bouncers: the runs that the cycle, translated-cycle and n-gram proofs leave to the
// cutoff). Learnt from the Busy Beaver community's bouncer write-ups; no code copied.
//
// 1. Guess. Replay the run from blank and list its records (the head on never-visited tape). Pick
//    a side d and state q whose last four records (every j-th, j = 1, 2) are evenly spaced in tape
//    width and have constant second differences in time (a quadratic run: the sweeps grow
//    linearly). Diff the tapes at the last two: the newer is the older with words inserted, each
//    next to a copy of itself. That gives a formula tape C(n): cells and repeaters u^(a n + c),
//    with C(0) the tape at the last record (head on the fresh cell beyond the near end, state q).
// 2. Prove, symbolically for every n >= 0: from C(n) the machine reaches C(n + 1) reading defined
//    entries only. The head steps over cells one at a time; when it runs into a repeater it uses a
//    shift rule (below) to cross all its copies at once, or else takes one cell out of it
//    (u^m = u0 (u1..u0)^(m-1) u1.., which needs m >= 1 for every n, i.e. c >= 1). The proof ends
//    when the head reaches fresh tape on side d in state q; the tape must then be C(n + 1) (both
//    brought to one normal form). By induction from the real C(0), the run never reads an
//    undefined entry. Everything is bounded: a failed guess or proof just returns false.
//
// Shift rule: the head stands on the first cell of u^m (moving into it) in state p, with the cells
// t (|t| <= kBouncerMaxTail) right behind it. If, simulated on the cells t u alone, the head leaves
// the far end of u in state p, never going behind t, and the last |t| cells then read t again (so
// the cells read u' t), then t u^m becomes u'^m t with the head past the block in state p, for
// every m: each copy starts in the same state with the same cells behind the head and is
// processed alike.
#pragma once
#include <cstdint>

#include "core/hd.hpp"
#include "core/partial_machine.hpp"

namespace ctm {

constexpr int kBouncerTape = 256;     // cells of the replay tape (the run's visited block must fit)
constexpr int kBouncerMaxWord = 8;    // longest repeated word
constexpr int kBouncerMaxItems = 64;  // items of a formula tape
constexpr int kBouncerMaxRepeaters = 4;
constexpr int kBouncerMaxTail = 4;
constexpr int kBouncerClassRecords = 7;  // records kept per (side, state): 1 + 3 j for j <= 2

// One item of a formula tape: a cell (len 0, symbol w[0]) or the repeater w[0..len)^(a n + c).
struct BouncerItem {
  uint8_t len, a;
  int16_t c;
  uint8_t w[kBouncerMaxWord];
};

CTM_HD bool same_item(const BouncerItem& x, const BouncerItem& y) {
  if (x.len != y.len) return false;
  if (x.len == 0) return x.w[0] == y.w[0];
  if (x.a != y.a || x.c != y.c) return false;
  for (int i = 0; i < x.len; ++i)
    if (x.w[i] != y.w[i]) return false;
  return true;
}

CTM_HD BouncerItem bouncer_cell(uint8_t s) {
  BouncerItem it{};
  it.w[0] = s;
  return it;
}

// A stack of items; for the tape behind the head (far end at 0, near end on top) and ahead of it
// (far end at 0 as well, the near end on top).
struct BouncerStack {
  BouncerItem it[kBouncerMaxItems];
  int size;
  CTM_HD bool push(const BouncerItem& x) {
    if (size >= kBouncerMaxItems) return false;
    it[size++] = x;
    return true;
  }
  // A copy of `o`'s items (only those in use).
  CTM_HD void assign(const BouncerStack& o) {
    size = o.size;
    for (int i = 0; i < size; ++i) it[i] = o.it[i];
  }
};

// The records of a run (the head on never-visited tape) as the walk meets them: record i's step and
// class (side * 16 + state). A child's run continues its parent's, so its records continue the
// parent's list: one log serves the whole path of the depth-first walk (a child writes from its
// parent's count on; RecordCycles carries the count). With it the proof needs no replay to find its
// candidates. At most kBouncerTape records are kept (beyond them the proof fails, as its replay does).
struct BouncerLog {
  uint32_t* time = nullptr;
  uint8_t* cls = nullptr;
  CTM_HD void add(uint32_t& count, uint32_t step, int side, int state) const {
    if (time && count < static_cast<uint32_t>(kBouncerTape)) {
      time[count] = step;
      cls[count] = static_cast<uint8_t>(side * 16 + state);
    }
    ++count;
  }
};

struct BouncerScratch {
  uint8_t tape[kBouncerTape];
  uint8_t older[kBouncerTape], newer[kBouncerTape];  // the tapes at the last two records, far end first
  uint32_t rec_time[kBouncerTape];
  uint8_t rec_class[kBouncerTape];  // side * 16 + state
  BouncerStack formula, behind, ahead, target;
};

// Replays the run from blank for `steps` steps (all of them read defined entries). Without
// `snap_at`, records every fresh cell (time, side, state) in s.rec_time / s.rec_class; with it, records
// nothing and copies the tape seen from the head (far end first, fresh cell excluded) at the records
// at times snap_at[0] and snap_at[1]. Returns the number of records, or -1 when the visited block
// outgrows the replay tape.
CTM_HD int bouncer_replay(const PartialMachine& m, uint32_t steps, uint8_t blank, BouncerScratch& s,
                          const uint32_t* snap_at = nullptr, int* snap_len = nullptr) {
  // The transitions packed as run_until_branch runs them (pack_code).
  uint32_t code[kMaxEntries];
  pack_code(m, code);
  int32_t head = kBouncerTape / 2, lo = head, hi = head;
  int row = 0, records = 0;
  s.tape[head] = blank;
  for (uint64_t t = 1; t <= steps; ++t) {
    const uint32_t c = code[row + s.tape[head]];
    if ((c & kUndefinedCode) == kUndefinedCode) return -1;
    s.tape[head] = static_cast<uint8_t>(c);
    row = static_cast<int>(c >> 24);
    head += static_cast<int32_t>((c >> 7) & 2u) - 1;
    if (static_cast<uint32_t>(head - lo) <= static_cast<uint32_t>(hi - lo)) continue;
    if (head < 0 || head >= kBouncerTape) return -1;
    s.tape[head] = blank;
    const int side = head > hi ? 1 : 0;
    if (side) hi = head; else lo = head;
    ++records;
    if (!snap_at) {
      s.rec_time[records - 1] = static_cast<uint32_t>(t);
      s.rec_class[records - 1] = static_cast<uint8_t>(side * 16 + ((c >> 16) & 0xffu));
    } else {
      for (int i = 0; i < 2; ++i) {
        if (t != snap_at[i]) continue;
        uint8_t* out = i == 0 ? s.older : s.newer;
        const int len = hi - lo;
        for (int p = 0; p < len; ++p) out[p] = side ? s.tape[lo + p] : s.tape[hi - p];
        snap_len[i] = len;
      }
    }
  }
  return records;
}

// The formula tape from the tapes at two records (far end first): `newer` is `older` with words
// inserted, each right after a copy of itself (placed after the longest common run, so the copy is
// in `older`); the copies before it join the repeater. Counts are those of the newer tape (n = 0).
CTM_HD bool bouncer_formula(const uint8_t* older, int old_len, const uint8_t* newer, int new_len, BouncerStack& out) {
  out.size = 0;
  int i = 0, j = 0, repeaters = 0;
  for (;;) {
    while (i < old_len && j < new_len && older[i] == newer[j]) {
      if (!out.push(bouncer_cell(older[i]))) return false;
      ++i, ++j;
    }
    if (i == old_len && j == new_len) break;
    const int left = (new_len - j) - (old_len - i);
    bool found = false;
    for (int len = left < kBouncerMaxWord ? left : kBouncerMaxWord; len >= 1 && !found; --len) {
      // The word again: one more copy a step for the last repeater.
      if (out.size && out.it[out.size - 1].len == len) {
        BouncerItem& last = out.it[out.size - 1];
        bool same = true;
        for (int x = 0; x < len && same; ++x) same = last.w[x] == newer[j + x];
        if (same) { last.a++; last.c++; j += len; found = true; break; }
      }
      if (i < len) continue;
      bool copy = true;
      for (int x = 0; x < len && copy; ++x) copy = older[i - len + x] == newer[j + x];
      if (!copy) continue;
      // Gather the cells just before that are copies of the word.
      int copies = 0;
      for (;;) {
        const int from = out.size - len * (copies + 1);
        if (from < 0) break;
        bool all = true;
        for (int x = 0; x < len && all; ++x) all = out.it[from + x].len == 0 && out.it[from + x].w[0] == newer[j + x];
        if (!all) break;
        ++copies;
      }
      out.size -= len * copies;
      BouncerItem r{};
      r.len = static_cast<uint8_t>(len);
      r.a = 1;
      r.c = static_cast<int16_t>(copies + 1);
      for (int x = 0; x < len; ++x) r.w[x] = newer[j + x];
      if (!out.push(r) || ++repeaters > kBouncerMaxRepeaters) return false;
      j += len;
      found = true;
    }
    if (!found) return false;
  }
  return repeaters > 0;
}

// Normal form of a tape behind the head (far end first): a cell s right before u^m with s the
// last symbol of u moves past it (s u^m = (s u..)^m s), a copy of u right after u^m joins it, blank
// cells at the far end go (the tape beyond is blank). Every rewrite is an identity for every n, so
// whatever the result (even if the bounded loop stops early) it stands for the same tapes. Two
// repeaters of one word side by side: no normal form (returns false).
CTM_HD bool bouncer_normalize(BouncerStack& t, uint8_t blank) {
  for (int guard = 0; guard < 4 * kBouncerMaxItems * kBouncerMaxWord; ++guard) {
    bool changed = false;
    for (int x = 0; x + 1 < t.size && !changed; ++x) {
      BouncerItem& p = t.it[x];
      BouncerItem& r = t.it[x + 1];
      if (p.len == 0 && r.len > 0 && r.w[r.len - 1] == p.w[0]) {
        const uint8_t s = p.w[0];
        BouncerItem rot = r;
        rot.w[0] = s;
        for (int i = 1; i < r.len; ++i) rot.w[i] = r.w[i - 1];
        p = rot;
        r = bouncer_cell(s);
        changed = true;
      } else if (p.len > 0) {
        if (x + p.len < t.size) {
          bool copy = true;
          for (int i = 0; i < p.len && copy; ++i) copy = t.it[x + 1 + i].len == 0 && t.it[x + 1 + i].w[0] == p.w[i];
          if (copy) {
            p.c++;
            for (int i = x + 1; i + p.len < t.size; ++i) t.it[i] = t.it[i + p.len];
            t.size -= p.len;
            changed = true;
            continue;
          }
        }
        if (r.len == p.len) {
          bool same = true;
          for (int i = 0; i < p.len && same; ++i) same = r.w[i] == p.w[i];
          if (same) return false;
        }
      }
    }
    if (!changed) break;
  }
  int far = 0;
  while (far < t.size && t.it[far].len == 0 && t.it[far].w[0] == blank) ++far;
  for (int i = far; i < t.size; ++i) t.it[i - far] = t.it[i];
  t.size -= far;
  return true;
}

// The shift rule (top of file): the head in `state` enters `word` (listed in the direction of
// travel, `len` cells) with the cells `tail` (nearest last, `tail_len`) behind it. On success,
// `word` holds u' and true is returned.
CTM_HD bool bouncer_shift(const PartialMachine& m, int state, int forward, uint8_t* word, int len,
                          const uint8_t* tail, int tail_len) {
  uint8_t cells[kBouncerMaxTail + kBouncerMaxWord];
  for (int i = 0; i < tail_len; ++i) cells[i] = tail[i];
  for (int i = 0; i < len; ++i) cells[tail_len + i] = word[i];
  const int end = tail_len + len;
  int h = tail_len, q = state;
  for (int steps = 0; h < end; ++steps) {
    if (h < 0 || steps > 16 * end) return false;
    const int e = q * m.k + cells[h];
    if (!((m.defined >> e) & 1u)) return false;
    const Transition tr = m.entry[e];
    cells[h] = tr.write;
    q = tr.next;
    h += tr.move == forward ? 1 : -1;
  }
  if (q != state) return false;
  for (int i = 0; i < tail_len; ++i)
    if (cells[len + i] != tail[i]) return false;
  for (int i = 0; i < len; ++i) word[i] = cells[i];
  return true;
}

// The symbolic run (top of file) from C(n) = `s.formula` (the tape behind the head, the head on
// fresh tape on `side` in `state`) to the next fresh cell on `side` in `state`, compared with
// C(n + 1). `budget` bounds the elementary steps and shift rules.
CTM_HD bool bouncer_cycle(const PartialMachine& m, int side, int state, uint8_t blank, uint32_t budget, BouncerScratch& s) {
  BouncerStack& behind = s.behind;  // far end at 0, near end on top
  BouncerStack& ahead = s.ahead;    // far end at 0, near end on top
  behind.assign(s.formula);
  ahead.size = 0;
  uint8_t head = blank;
  int q = state;
  for (uint32_t step = 0; step < budget; ++step) {
    const int e = q * m.k + head;
    if (!((m.defined >> e) & 1u)) return false;
    const Transition tr = m.entry[e];
    q = tr.next;
    const bool fw = tr.move == side;
    BouncerStack& from = fw ? ahead : behind;  // where the head goes
    BouncerStack& to = fw ? behind : ahead;    // where the written cell goes
    if (!to.push(bouncer_cell(tr.write))) return false;
    // Take the next cell in the direction of travel; repeaters are crossed by a shift rule or
    // give up one cell.
    for (;;) {
      if (from.size == 0) {
        head = blank;
        if (fw && q == state) {
          // Fresh tape on the record side in the record state: compare with C(n + 1).
          BouncerStack& target = s.target;
          target.assign(s.formula);
          for (int i = 0; i < target.size; ++i)
            if (target.it[i].len) target.it[i].c = static_cast<int16_t>(target.it[i].c + target.it[i].a);
          if (!bouncer_normalize(behind, blank) || !bouncer_normalize(target, blank)) return false;
          if (behind.size != target.size) return false;
          for (int i = 0; i < target.size; ++i)
            if (!same_item(behind.it[i], target.it[i])) return false;
          return true;
        }
        break;
      }
      BouncerItem next = from.it[--from.size];
      if (next.len == 0) { head = next.w[0]; break; }
      // Both stacks hold words in tape order from the far end towards the record side; the word in
      // the direction of travel is that order moving forward (fw), reversed moving back.
      uint8_t word[kBouncerMaxWord];
      for (int i = 0; i < next.len; ++i) word[i] = fw ? next.w[i] : next.w[next.len - 1 - i];
      bool crossed = false;
      for (int tail_len = 0; tail_len <= kBouncerMaxTail && tail_len <= to.size && !crossed; ++tail_len) {
        uint8_t tail[kBouncerMaxTail];
        bool cells = true;
        for (int i = 0; i < tail_len && cells; ++i) {
          const BouncerItem& c = to.it[to.size - tail_len + i];
          cells = c.len == 0;
          tail[i] = c.w[0];  // nearest last, whichever the direction
        }
        if (!cells) break;
        uint8_t moved[kBouncerMaxWord];
        for (int i = 0; i < next.len; ++i) moved[i] = word[i];
        if (!bouncer_shift(m, q, fw ? side : 1 - side, moved, next.len, tail, tail_len)) continue;
        // t u^m -> u'^m t: the repeater goes under the tail.
        BouncerItem r = next;
        for (int i = 0; i < next.len; ++i) r.w[i] = fw ? moved[i] : moved[next.len - 1 - i];
        if (to.size >= kBouncerMaxItems) return false;
        for (int i = to.size; i > to.size - tail_len; --i) to.it[i] = to.it[i - 1];
        to.it[to.size - tail_len] = r;
        to.size++;
        crossed = true;
      }
      if (crossed) { if (++step >= budget) return false; continue; }
      // One cell out of the repeater: u^m = u0 (u1 .. u0)^(m-1) u1 .. (in the direction of travel).
      if (next.c < 1 || from.size + next.len + 1 > kBouncerMaxItems) return false;
      for (int i = next.len - 1; i >= 1; --i) from.it[from.size++] = bouncer_cell(word[i]);
      BouncerItem r = next;
      r.c = static_cast<int16_t>(next.c - 1);
      for (int i = 0; i < next.len; ++i) {
        const uint8_t x = word[(i + 1) % next.len];
        r.w[fw ? i : next.len - 1 - i] = x;
      }
      from.it[from.size++] = r;
      head = word[0];
      break;
    }
  }
  return false;
}

// The whole proof, on a run that has made `steps` steps from blank reading defined entries only.
// `log` (or nullptr: the proof replays the run) holds the run's first `logged` records, all those up
// to `steps`; the verdict is the same either way.
CTM_HD bool bouncer_proof(const PartialMachine& m, uint32_t steps, uint8_t blank, BouncerScratch& s,
                          const BouncerLog* log = nullptr, uint32_t logged = 0) {
  const uint32_t* rec_time = s.rec_time;
  const uint8_t* rec_class = s.rec_class;
  int records;
  if (log) {
    // The replay's limits: its tape holds kBouncerTape / 2 cells left of the start, one fewer right.
    if (logged >= static_cast<uint32_t>(kBouncerTape)) return false;
    records = static_cast<int>(logged);
    rec_time = log->time;
    rec_class = log->cls;
    int left = 0;
    for (int r = 0; r < records; ++r) left += rec_class[r] < 16;
    if (left > kBouncerTape / 2 || records - left > kBouncerTape / 2 - 1) return false;
  } else {
    records = bouncer_replay(m, steps, blank, s);
  }
  if (records < 4) return false;
  // The last kBouncerClassRecords records of each (side, state), newest first.
  int16_t last[2 * kMaxStates][kBouncerClassRecords];
  uint8_t count[2 * kMaxStates] = {};
  for (int r = records - 1; r >= 0; --r) {
    const int cls = (rec_class[r] >> 4) * kMaxStates + (rec_class[r] & 15);
    if (count[cls] < kBouncerClassRecords) last[cls][count[cls]++] = static_cast<int16_t>(r);
  }
  for (int cls = 0; cls < 2 * kMaxStates; ++cls) {
    for (int j = 1; j <= 2; ++j) {
      if (count[cls] < 1 + 3 * j) continue;
      // Newest first: r0 (newest), r1, r2, r3; the width at record r is r + 2.
      const int r0 = last[cls][0], r1 = last[cls][j], r2 = last[cls][2 * j], r3 = last[cls][3 * j];
      const int dw = r0 - r1;
      if (dw <= 0 || r1 - r2 != dw || r2 - r3 != dw) continue;
      const int64_t t0 = rec_time[r0], t1 = rec_time[r1], t2 = rec_time[r2], t3 = rec_time[r3];
      if ((t0 - t1) - (t1 - t2) != (t1 - t2) - (t2 - t3)) continue;
      const uint32_t snap_at[2] = {static_cast<uint32_t>(t1), static_cast<uint32_t>(t0)};
      int snap_len[2] = {-1, -1};
      if (bouncer_replay(m, static_cast<uint32_t>(t0), blank, s, snap_at, snap_len) < 0) return false;
      if (snap_len[0] < 0 || snap_len[1] < 0) continue;
      if (!bouncer_formula(s.older, snap_len[0], s.newer, snap_len[1], s.formula)) continue;
      const int side = cls / kMaxStates, state = cls % kMaxStates;
      if (bouncer_cycle(m, side, state, blank, 2 * static_cast<uint32_t>(t0 - t1) + 64, s)) return true;
    }
  }
  return false;
}

// When a run segment from step `start` tries the proof `offset` steps into it (the walk tries it at
// offsets bouncer_after, 2 bouncer_after, 4 ...): only while a success would still save at least as
// many steps as the segment has run (start + 2 offset <= cutoff); never (all ones) after that. A try
// replays up to `offset` steps, so a later one would cost more than it can save.
CTM_HD uint32_t bouncer_try_at(uint32_t start, uint64_t offset, uint32_t cutoff) {
  if (offset == 0 || start + 2 * offset > cutoff) return 0xffffffffu;
  return start + static_cast<uint32_t>(offset);
}

// The same with its scratch on the stack (about 5 KB).
CTM_HD bool bouncer_proof(const PartialMachine& m, uint32_t steps, uint8_t blank, const BouncerLog* log = nullptr,
                          uint32_t logged = 0) {
  BouncerScratch s;
  return bouncer_proof(m, steps, blank, s, log, logged);
}

}  // namespace ctm
