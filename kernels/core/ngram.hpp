// The closed n-gram position set proof (docs/deciders.md, "ngram-cps"): a static proof about a
// partial machine that its run from the blank tape never reads an undefined entry. CTM_HD: the CPU
// walk, the wavefront and the CUDA kernels run the same proof. Included by tm.hpp.
#pragma once
#include <cstdint>

#include "core/hd.hpp"
#include "core/partial_machine.hpp"

namespace ctm {

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

// Bit helpers of ngram_proof. A set of windows is a word with bit `window` set; a window's digit i
// (base k) is its i-th cell counted outward from the head, so dropping the first cell of window v is
// v / k and prefixing a cell c is c + k * v: on the word these are a stride-k compress and spread.
// `high` = k^(L-1) bounds the values involved; with k and high known at compile time (k = 2) the
// steps that cannot move a bit fold away.

// Bits 0..count-1 set (count <= 64).
CTM_HD uint64_t ngram_low_bits(uint32_t count) { return count >= 64 ? ~0ull : (1ull << count) - 1; }

// {v / k : v in set, v % k == 0} for v < k * high.
CTM_HD uint64_t ngram_compress(uint64_t set, uint32_t k, uint32_t high) {
  if (k == 2) {  // pack the even bits, halving the gaps
    set &= 0x5555555555555555ull;
    if (high > 1) set = (set | (set >> 1)) & 0x3333333333333333ull;
    if (high > 2) set = (set | (set >> 2)) & 0x0f0f0f0f0f0f0f0full;
    if (high > 4) set = (set | (set >> 4)) & 0x00ff00ff00ff00ffull;
    if (high > 8) set = (set | (set >> 8)) & 0x0000ffff0000ffffull;
    if (high > 16) set = (set | (set >> 16)) & 0x00000000ffffffffull;
    return set;
  }
  uint64_t out = 0;
  for (; set; set &= set - 1) {
    const uint32_t v = static_cast<uint32_t>(lowest_bit64(set));
    if (v % k == 0) out |= 1ull << (v / k);
  }
  return out;
}

// {k * v : v in set} for v < high: the inverse of ngram_compress.
CTM_HD uint64_t ngram_spread(uint64_t set, uint32_t k, uint32_t high) {
  if (k == 2) {
    if (high > 16) set = (set | (set << 16)) & 0x0000ffff0000ffffull;
    if (high > 8) set = (set | (set << 8)) & 0x00ff00ff00ff00ffull;
    if (high > 4) set = (set | (set << 4)) & 0x0f0f0f0f0f0f0f0full;
    if (high > 2) set = (set | (set << 2)) & 0x3333333333333333ull;
    if (high > 1) set = (set | (set << 1)) & 0x5555555555555555ull;
    return set;
  }
  uint64_t out = 0;
  for (; set; set &= set - 1) out |= 1ull << (k * static_cast<uint32_t>(lowest_bit64(set)));
  return out;
}

// {v % high : v in set} for v < k * high: the k blocks of `high` bits OR-ed together.
CTM_HD uint64_t ngram_fold(uint64_t set, uint32_t k, uint32_t high) {
  uint64_t out = 0;
  for (uint32_t x = 0; x < k; ++x) out |= set >> (x * high);
  return out & ngram_low_bits(high);
}

// The fixed point of ngram_proof for k = K and windows of L cells, both known at compile time, or
// (K = 0) given at run time by m.k and len. `Row` holds the W windows of one row; `kRows` bounds n W.
template <uint32_t K, uint32_t L, class Row, int kRows>
CTM_HD bool ngram_configs(const PartialMachine& m, uint32_t len, uint8_t blank) {
  const uint32_t k = K ? K : m.k, n = m.n;
  if (K) len = L;
  if (len < 1 || len > static_cast<uint32_t>(kNgramMaxWindow)) return false;
  uint32_t w_count = 1, blank_window = 0;
  for (uint32_t i = 0; i < len; ++i) {
    blank_window += w_count * blank;
    w_count *= k;
    if (w_count > 8 * sizeof(Row)) return false;  // beyond one word per row (and the config bitset)
  }
  const uint32_t high = w_count / k;  // weight of the outermost cell of a window
  if ((n * w_count * w_count + 63) / 64 > static_cast<uint32_t>(kNgramMaxConfigWords)) return false;
  const uint32_t rows_used = n * w_count;
  if (rows_used > static_cast<uint32_t>(kRows)) return false;
  constexpr int kSummaryWords = (kRows + 63) / 64;

  // Per state: the rws whose entry moves left (the configurations a new left window concerns) and
  // the symbols whose entry moves right (those a new right window concerns).
  Row moves_left[kMaxStates];
  uint32_t reads_right[kMaxStates];
  for (uint32_t q = 0; q < n; ++q) {
    moves_left[q] = 0;
    reads_right[q] = 0;
    for (uint32_t s = 0; s < k; ++s) {
      const uint32_t e = q * k + s;
      if (!is_defined(m, static_cast<int>(e))) continue;
      if (m.entry[e].move == kRight) {
        reads_right[q] |= 1u << s;
      } else {
        for (uint32_t v = s; v < w_count; v += k) moves_left[q] |= static_cast<Row>(1) << v;
      }
    }
  }

  // row[q W + lw]: bit rw set for every configuration (q, lw, rw) found; pending: those still to
  // expand; summary: the rows with a pending bit.
  Row row[kRows], pending[kRows];
  uint64_t summary[kSummaryWords];
  for (uint32_t i = 0; i < rows_used; ++i) row[i] = pending[i] = 0;
  for (int i = 0; i < kSummaryWords; ++i) summary[i] = 0;
  auto mark = [&](uint32_t r, Row bits) {
    if (bits) {
      pending[r] |= bits;
      summary[r / 64] |= 1ull << (r % 64);
    }
  };
  auto add = [&](uint32_t r, Row bits) {
    bits &= ~row[r];
    row[r] |= bits;
    mark(r, bits);
  };
  uint64_t left = 1ull << blank_window, right = 1ull << blank_window;
  uint64_t right_unscanned = 0;  // right windows added since the last scan for the configurations they concern
  uint64_t outer = 0;            // sum_x 2^(x high): one bit per value of a window's outermost cell
  for (uint32_t x = 0; x < k; ++x) outer |= 1ull << (x * high);
  add(blank_window, static_cast<Row>(1) << blank_window);  // state 0, blank both sides

  for (;;) {
    int wi = 0;
    while (wi < kSummaryWords && !summary[wi]) ++wi;
    if (wi == kSummaryWords) {
      if (!right_unscanned) return true;  // nothing left to expand: the fixed point
      // Configurations (q, lw, s + k (g % high)) for a new right window g and an entry (q, s)
      // moving right: their successors may now use g.
      uint64_t tails = 0;
      for (uint64_t g = right_unscanned; g; g &= g - 1) tails |= 1ull << (k * (static_cast<uint32_t>(lowest_bit64(g)) % high));
      right_unscanned = 0;
      for (uint32_t q = 0; q < n; ++q) {
        Row concerned = 0;
        for (uint32_t ss = reads_right[q]; ss; ss &= ss - 1) concerned |= static_cast<Row>(tails << lowest_bit(ss));
        if (!concerned) continue;
        for (uint32_t lw = 0; lw < w_count; ++lw) mark(q * w_count + lw, row[q * w_count + lw] & concerned);
      }
      continue;
    }
    const uint32_t r = static_cast<uint32_t>(wi) * 64 + static_cast<uint32_t>(lowest_bit64(summary[wi]));
    const uint32_t rw = static_cast<uint32_t>(lowest_bit64(pending[r]));
    pending[r] &= pending[r] - 1;
    if (!pending[r]) summary[wi] &= summary[wi] - 1;
    const uint32_t q = r / w_count, lw = r % w_count, s = rw % k;
    const uint32_t e = q * k + s;
    if (!is_defined(m, static_cast<int>(e))) return false;
    const Transition t = m.entry[e];
    if (t.move == kRight) {
      const uint32_t new_lw = t.write + k * (lw % high);  // the written cell joins the left side
      if (!(left >> new_lw & 1u)) {
        left |= 1ull << new_lw;
        // Configurations whose left move may now uncover new_lw: lw' = x + k (new_lw % high).
        const uint32_t stem = k * (new_lw % high);
        for (uint32_t q2 = 0; q2 < n; ++q2)
          for (uint32_t x = 0; x < k; ++x) mark(q2 * w_count + x + stem, row[q2 * w_count + x + stem] & moves_left[q2]);
      }
      // The right half-tape loses its first cell: rw / k, extended by any outer cell x.
      add(t.next * w_count + new_lw, static_cast<Row>(right & (outer << (rw / k))));
    } else {
      const uint32_t moved = t.write + k * (rw / k);  // the written cell and what was right of it
      const uint32_t new_rw = lw % k + k * (moved % high);  // the left neighbour is the new head cell
      const uint64_t fresh = ((1ull << moved) | (1ull << new_rw)) & ~right;
      right |= fresh;
      right_unscanned |= fresh;
      for (uint32_t g = lw / k; g < w_count; g += high)  // the left half-tape loses its first cell
        if (left >> g & 1u) add(t.next * w_count + g, static_cast<Row>(1) << new_rw);
    }
  }
}

// True when the run of `m` from a tape of `blank` provably never reads an undefined entry.
//
// Computes the same least fixed point as the plain iteration of docs/deciders.md (so the same
// verdict for every machine, window and blank; tests/test_ngram.cpp checks it against that
// iteration), a row at a time: the abstract configurations with a given (state q, left window lw)
// are one word `row[q * W + lw]` over the right window rw, and every rule of the proof is a few word
// operations on the rws of a row that read one head symbol s:
//  - their entry (q, s) is undefined: the proof fails (a mask per state, `bad`);
//  - it moves right writing w: one new left window w + k (lw % high); the successors' right windows
//    are the rws' tails (rw / k: a stride-k compress) extended by any outer cell x (a multiply by
//    sum_x 2^(x high) spreads them into the k blocks), restricted to the set of right windows;
//  - it moves left writing w: the new right windows w + k (rw / k) are the rws shifted by w - s; the
//    successors' right windows are lw % k + k (that % high) (fold, spread, shift), with left windows
//    lw / k + x high that are in the set of left windows.
// A row is expanded again when it gains a bit (`dirty`) or when a window its successors could use
// joins a set: a new left window g concerns the rows (q, x + k (g % high)) that move left; new right
// windows are collected and the rows they concern are found by one scan when nothing else is left.
// k = 2 runs an instance with the window length fixed at compile time (shifts and masks instead of
// divisions, no loops over symbols). Fixed scratch: at most 256 row words and a 256-bit dirty set
// (2 KB + 32 B, as the previous per-configuration worklist).
CTM_HD bool ngram_proof(const PartialMachine& m, int len, uint8_t blank) {
  if (m.k == 2) {
    switch (len) {
      case 1: return ngram_configs<2, 1, uint32_t, 32>(m, 1, blank);
      case 2: return ngram_configs<2, 2, uint32_t, 64>(m, 2, blank);
      case 3: return ngram_configs<2, 3, uint32_t, 128>(m, 3, blank);
      case 4: return ngram_configs<2, 4, uint32_t, 256>(m, 4, blank);
      case 5: return ngram_configs<2, 5, uint32_t, 256>(m, 5, blank);  // n <= 8
      case 6: return ngram_configs<2, 6, uint64_t, 128>(m, 6, blank);  // n <= 2
      default: return false;  // 2^L > 64 windows, or L < 1
    }
  }
  // k >= 3 (n k <= 16): W <= 64 and n W W <= 8192 leave n W <= 135.
  return ngram_configs<0, 0, uint64_t, 136>(m, len < 0 ? 0u : static_cast<uint32_t>(len), blank);
}

}  // namespace ctm
