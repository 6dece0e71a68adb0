// Early translated-cycle detection at record-breaking head positions (docs/deciders.md, issue 11).
// Every time the head reaches fresh tape it is compared with the previous record in the same state
// and direction, through the last 16 cells behind the head, so a translated cycler is caught one
// period after it settles instead of at the next doubling reference of run_until_branch. CTM_HD:
// the CPU walk and the CUDA kernels run the same test.
#pragma once
#include <cstdint>
#include <cstring>

#include "core/hd.hpp"

namespace ctm {

// Per (direction, state): the cells behind the head at the last record, packed 4 bits a cell
// (k <= 16), nearest cell in the lowest digit, and how far back the head has gone since.
class RecordCycles {
 public:
  static constexpr int kWindow = 8;  // cells behind the head a comparison covers (8 catch nearly all, half the cost of 16)
  static constexpr int kStates = 16;  // kMaxStates of tm.hpp

  // This test's state copied from `o` for a machine of `states` states (the references of the
  // others are never valid): the walk hands it to every child, so it copies only what is used.
  CTM_HD void copy_from(const RecordCycles& o, int states) {
    valid_[0] = o.valid_[0];
    valid_[1] = o.valid_[1];
    back_[0] = o.back_[0];
    back_[1] = o.back_[1];
    logged_ = o.logged_;
    log_ok_ = o.log_ok_;
    for (int d = 0; d < 2; ++d)
      for (int q = 0; q < states; ++q) ref_[d][q] = o.ref_[d][q];
  }
  // `from_blank`: the run starts here on the blank tape, so the record log (bouncer.hpp) it keeps
  // is the run's whole list of records.
  CTM_HD void reset(int32_t head, bool from_blank = false) {
    valid_[0] = valid_[1] = 0;
    back_[0] = back_[1] = head;
    logged_ = 0;
    log_ok_ = from_blank;
  }
  // The run's records so far (the bouncer proof's log count), and whether the log holds all of them.
  CTM_HD uint32_t& logged() { return logged_; }
  CTM_HD bool log_ok() const { return log_ok_; }
  // Called after every step: the farthest the head has gone back since the last record of each
  // direction (left for right records, right for left records).
  CTM_HD void track(int32_t head) {
    if (head < back_[1]) back_[1] = head;
    if (head > back_[0]) back_[0] = head;
  }
  // The farthest point back since the last record in direction `dir` (for the doubling references
  // of run_until_branch, which fold it in the same way).
  CTM_HD int32_t back_since_record(int dir) const { return back_[dir]; }
  // For a caller that tracks the head itself (run_until_branch keeps both in registers):
  // `left` is the rightmost head since the last left record, `right` the leftmost since the last
  // right record, as track() would have left them.
  CTM_HD void set_back(int32_t left, int32_t right) {
    back_[0] = left;
    back_[1] = right;
  }

  // The head has just reached fresh tape at `head` moving in `dir` (1 = right, 0 = left) in
  // `state`; lo..hi is the visited block (cells outside it are blank). Returns true when the run
  // provably repeats itself shifted forever (a translated cycle); records this position otherwise.
  template <class Tape>
  CTM_HD bool on_record(int dir, int state, int32_t head, const Tape& tape, int32_t lo, int32_t hi, uint8_t blank) {
    // Fold the excursion since the last record into every reference of this direction.
    // (a select, not a test: which references move is data the branch predictor cannot learn)
    const int32_t back = back_[dir];
    for (uint32_t v = valid_[dir]; v; v &= v - 1) {
      Ref& rf = ref_[dir][lowest(v)];
      const bool farther = dir == 1 ? back < rf.reach : back > rf.reach;
      rf.reach = farther ? back : rf.reach;
    }
    back_[dir] = head;
    // Digit i: the cell i + 1 behind the head; beyond the visited block the tape is blank.
    const int32_t inside = dir == 1 ? head - lo : hi - head;
    const uint64_t cells = inside >= kWindow ? pack_window(tape, head, dir) : pack_near_edge(tape, head, dir, inside, blank);
    if (state >= kStates) return false;
    Ref& rf = ref_[dir][state];
    if ((valid_[dir] >> state) & 1u) {
      // Cells read since the last record in this state: from its head back to `reach`.
      const int32_t span = dir == 1 ? rf.pos - rf.reach : rf.reach - rf.pos;
      if (span <= kWindow) {
        const uint64_t mask = span >= kWindow ? ~0ull : ((1ull << (4 * span)) - 1);
        if (((cells ^ rf.cells) & mask) == 0) return true;
      }
    }
    rf.cells = cells;
    rf.pos = rf.reach = head;
    valid_[dir] |= 1u << state;
    return false;
  }

 private:
  // The `count` cells behind the head, digit i the cell i + 1 behind (inside the visited block).
  template <class Tape>
  CTM_HD static uint64_t pack_cells(const Tape& tape, int32_t head, int dir, int count) {
    uint64_t cells = 0;
    const int32_t step_back = dir == 1 ? -1 : 1;
    for (int i = 0; i < count; ++i) cells |= static_cast<uint64_t>(tape[head + step_back * (i + 1)]) << (4 * i);
    return cells;
  }
  // The window when only `inside` < kWindow cells behind the head are in the visited block: the
  // others read as blank. A fixed count of selects (no loop exit to predict); a cell beyond the
  // block is never read (the head cell stands in for it).
  template <class Tape>
  CTM_HD static uint64_t pack_near_edge(const Tape& tape, int32_t head, int dir, int32_t inside, uint8_t blank) {
    uint64_t cells = 0;
    const int32_t step_back = dir == 1 ? -1 : 1;
    for (int i = 0; i < kWindow; ++i) {
      const bool in = i < inside;
      const uint64_t v = tape[head + (in ? step_back * (i + 1) : 0)];
      cells |= (in ? v : static_cast<uint64_t>(blank)) << (4 * i);
    }
    return cells;
  }
  // The whole window, kWindow cells behind the head.
  template <class Tape>
  CTM_HD static uint64_t pack_window(const Tape& tape, int32_t head, int dir) { return pack_cells(tape, head, dir, kWindow); }
#if !defined(__CUDA_ARCH__)
  // A byte tape on the host: one 8-byte load, byte-reversed for a right record (the nearest cell is
  // the highest byte), then the bytes (each < 16) squeezed into nibbles.
  static uint64_t pack_window(uint8_t* const& tape, int32_t head, int dir) {
    uint64_t w;
    std::memcpy(&w, tape + (dir == 1 ? head - kWindow : head + 1), sizeof w);
    if (dir == 1) w = __builtin_bswap64(w);
    w = (w | (w >> 4)) & 0x00ff00ff00ff00ffull;
    w = (w | (w >> 8)) & 0x0000ffff0000ffffull;
    return (w | (w >> 16)) & 0x00000000ffffffffull;
  }
#endif
  struct Ref {
    uint64_t cells;
    int32_t pos, reach;
  };
  CTM_HD static int lowest(uint32_t x) {
#if defined(__CUDA_ARCH__)
    return __ffs(static_cast<int>(x)) - 1;
#else
    return __builtin_ctz(x);
#endif
  }
  uint32_t valid_[2];
  uint32_t logged_;
  bool log_ok_;
  int32_t back_[2];  // [1]: leftmost head since the last right record; [0]: rightmost since the last left one
  Ref ref_[2][kStates];
};

}  // namespace ctm
