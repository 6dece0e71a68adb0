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

// Bit i of the result is bit 2i of x (the even bits, gathered), for x < 2^(2^(S+1)): S halving
// steps gather 2^S bits (the n-gram proof's k = 2 rows of 2^L bits need S = L - 1).
template <int S = 5>
CTM_HD uint64_t compress_even_bits(uint64_t x) {
  if constexpr (S >= 5) x &= 0x5555555555555555ull;
  else x &= ((1ull << (2 << S)) - 1) & 0x5555555555555555ull;
  if (S >= 1) x = (x | x >> 1) & 0x3333333333333333ull;
  if (S >= 2) x = (x | x >> 2) & 0x0f0f0f0f0f0f0f0full;
  if (S >= 3) x = (x | x >> 4) & 0x00ff00ff00ff00ffull;
  if (S >= 4) x = (x | x >> 8) & 0x0000ffff0000ffffull;
  if (S >= 5) x = (x | x >> 16) & 0x00000000ffffffffull;
  return x;
}
// Bit 2i of the result is bit i of x, for x < 2^(2^S): the inverse of compress_even_bits<S>.
template <int S = 5>
CTM_HD uint64_t spread_even_bits(uint64_t x) {
  if constexpr (S >= 5) x &= 0x00000000ffffffffull;
  else x &= (1ull << (1 << S)) - 1;
  if (S >= 5) x = (x | x << 16) & 0x0000ffff0000ffffull;
  if (S >= 4) x = (x | x << 8) & 0x00ff00ff00ff00ffull;
  if (S >= 3) x = (x | x << 4) & 0x0f0f0f0f0f0f0f0full;
  if (S >= 2) x = (x | x << 2) & 0x3333333333333333ull;
  if (S >= 1) x = (x | x << 1) & 0x5555555555555555ull;
  return x;
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
// The walk's second, long-window try comes this many times `ngram_after` steps after the first
// (run_until_branch, wavefront run_node).
constexpr uint32_t kNgramLongDelay = 1;

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

  // Per state: the rws whose entry is undefined (`bad`: a configuration among them ends the proof
  // the moment it is found), those whose entry moves left (the configurations a new left window
  // concerns), and the symbols whose entry moves right (those a new right window concerns).
  Row head_is[kMaxSymbols];  // the rws with head symbol s
  if (k == 2) {
    head_is[0] = static_cast<Row>(0x5555555555555555ull);
    head_is[1] = static_cast<Row>(0xaaaaaaaaaaaaaaaaull);
  } else {
    for (uint32_t s = 0; s < k; ++s) head_is[s] = 0;
    for (uint32_t v = 0; v < w_count; ++v) head_is[v % k] |= static_cast<Row>(1) << v;
  }
  Row bad[kMaxStates], moves_left[kMaxStates];
  uint32_t reads_right[kMaxStates];
  for (uint32_t q = 0; q < n; ++q) {
    bad[q] = moves_left[q] = 0;
    reads_right[q] = 0;
    for (uint32_t s = 0; s < k; ++s) {
      const uint32_t e = q * k + s;
      const Row with_s = head_is[s];
      if (!is_defined(m, static_cast<int>(e))) bad[q] |= with_s;
      else if (m.entry[e].move == kRight) reads_right[q] |= 1u << s;
      else moves_left[q] |= with_s;
    }
  }

  // row[q W + lw]: bit rw set for every configuration (q, lw, rw) found; pending: those still to
  // expand; summary: the rows with a pending bit.
  Row row[kRows], pending[kRows];
  uint64_t summary[kSummaryWords];
  for (uint32_t i = 0; i < rows_used; ++i) row[i] = pending[i] = 0;
  for (int i = 0; i < kSummaryWords; ++i) summary[i] = 0;
  bool failed = false;
  // Without a branch: whether `bits` is empty is data the predictor cannot learn.
  auto mark = [&](uint32_t r, Row bits) {
    pending[r] |= bits;
    summary[r / 64] |= static_cast<uint64_t>(bits != 0) << (r % 64);
  };
  auto add = [&](uint32_t q, uint32_t lw, Row bits) {
    const uint32_t r = q * w_count + lw;
    bits &= ~row[r];
    row[r] |= bits;
    mark(r, bits);
    if (bits & bad[q]) failed = true;
  };
  uint64_t left = 1ull << blank_window, right = 1ull << blank_window;
  uint64_t right_unscanned = 0;  // right windows added since the last scan for the configurations they concern
  uint64_t outer = 0;            // sum_x 2^(x high): one bit per value of a window's outermost cell
  for (uint32_t x = 0; x < k; ++x) outer |= 1ull << (x * high);
  // The successors of (q, lw, rw) moving right with t (its new left window already in `left`): the
  // right half-tape loses its first cell, rw / k, extended by any outer cell x in a right window.
  auto step_right = [&](uint32_t lw, uint32_t rw, Transition t) {
    add(t.next, t.write + k * (lw % high), static_cast<Row>(right & (outer << (rw / k))));
  };
  add(0, blank_window, static_cast<Row>(1) << blank_window);  // state 0, blank both sides
  if (failed) return false;

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
        // Expanded already (or pending, and then expanded again later): only the successors change.
        for (uint32_t lw = 0; lw < w_count; ++lw)
          for (Row bits = row[q * w_count + lw] & concerned; bits; bits &= bits - 1) {
            const uint32_t rw = static_cast<uint32_t>(lowest_bit64(bits));
            step_right(lw, rw, m.entry[q * k + rw % k]);
          }
      }
      if (failed) return false;
      continue;
    }
    const uint32_t r = static_cast<uint32_t>(wi) * 64 + static_cast<uint32_t>(lowest_bit64(summary[wi]));
    if constexpr (K == 2) {
      constexpr int kSteps = L > 1 ? static_cast<int>(L) - 1 : 0;  // a row's tails: 2^(L-1) bits
      // k = 2: the whole row at once. Its configurations share q and lw; those with head symbol s
      // share the entry (q, s), and their successors are a few bit-set operations on the set of
      // their rws, however many there are (the per-configuration rules below, applied to a set).
      const Row bits = pending[r];
      pending[r] = 0;
      summary[wi] &= summary[wi] - 1;
      const uint32_t q = r / w_count, lw = r % w_count;
      for (uint32_t s = 0; s < 2; ++s) {
        const Row same = bits & head_is[s];
        if (!same) continue;
        const Transition t = m.entry[q * 2 + s];  // defined: `bad` configurations end the proof when found
        // The rws / 2 of these configurations (what is right of the head cell), as a bit set.
        const uint64_t tails = compress_even_bits<kSteps>(static_cast<uint64_t>(same) >> s);
        if (t.move == kRight) {
          const uint32_t new_lw = t.write + 2 * (lw % high);
          if (!(left >> new_lw & 1u)) {
            left |= 1ull << new_lw;
            const uint32_t stem = 2 * (new_lw % high);
            for (uint32_t q2 = 0; q2 < n; ++q2)
              for (uint32_t x = 0; x < 2; ++x) mark(q2 * w_count + x + stem, row[q2 * w_count + x + stem] & moves_left[q2]);
          }
          // The right half-tape loses its head cell: its next window is tail + high x, if known.
          add(t.next, new_lw, static_cast<Row>(right & (tails | tails << high)));
        } else {
          // moved = write + 2 tail (the written cell and what was right of it), new rw = lw % 2 +
          // 2 (moved % high).
          const uint64_t moved = spread_even_bits<kSteps>(tails) << t.write;
          const uint64_t low = (moved | moved >> high) & ((1ull << high) - 1);
          const uint64_t new_rws = spread_even_bits<kSteps>(low) << (lw % 2);
          const uint64_t fresh = (moved | new_rws) & ~right;
          right |= fresh;
          right_unscanned |= fresh;
          for (uint32_t g = lw / 2; g < w_count; g += high)
            if (left >> g & 1u) add(t.next, g, static_cast<Row>(new_rws));
        }
        if (failed) return false;
      }
      continue;
    }
    const uint32_t rw = static_cast<uint32_t>(lowest_bit64(pending[r]));
    pending[r] &= pending[r] - 1;
    if (!pending[r]) summary[wi] &= summary[wi] - 1;
    const uint32_t q = r / w_count, lw = r % w_count;
    const Transition t = m.entry[q * k + rw % k];  // defined: `bad` configurations end the proof when found
    if (t.move == kRight) {
      const uint32_t new_lw = t.write + k * (lw % high);  // the written cell joins the left side
      if (!(left >> new_lw & 1u)) {
        left |= 1ull << new_lw;
        // Configurations whose left move may now uncover new_lw: lw' = x + k (new_lw % high).
        const uint32_t stem = k * (new_lw % high);
        for (uint32_t q2 = 0; q2 < n; ++q2)
          for (uint32_t x = 0; x < k; ++x) mark(q2 * w_count + x + stem, row[q2 * w_count + x + stem] & moves_left[q2]);
      }
      step_right(lw, rw, t);
    } else {
      const uint32_t moved = t.write + k * (rw / k);  // the written cell and what was right of it
      const uint32_t new_rw = lw % k + k * (moved % high);  // the left neighbour is the new head cell
      const uint64_t fresh = ((1ull << moved) | (1ull << new_rw)) & ~right;
      right |= fresh;
      right_unscanned |= fresh;
      for (uint32_t g = lw / k; g < w_count; g += high)  // the left half-tape loses its first cell
        if (left >> g & 1u) add(t.next, g, static_cast<Row>(1) << new_rw);
    }
    if (failed) return false;
  }
}

// True when the run of `m` from a tape of `blank` provably never reads an undefined entry.
//
// Computes the least fixed point of the rules of docs/deciders.md ("ngram-cps") and fails iff it
// holds a configuration whose entry is undefined: the verdict depends only on that fixed point, not
// on the order of the work (tests/test_ngram.cpp checks every verdict against a plain iteration).
// A worklist of configurations, stored as rows: bit rw of row[q * W + lw] is the configuration
// (q, lw, rw), `pending` the ones still to expand. Expanding one is a few integer operations (the
// successors of a right move are one AND of the right-window set with the k windows its tail
// extends to). When a window set grows, the configurations whose successors could use the new
// window are expanded again: a new left window g concerns the left-moving configurations of the k
// rows (q, x + k (g % high)), found at once; new right windows concern right-moving configurations
// with rw = s + k (g % high) in any row, found by one scan of the rows once nothing else is pending
// (the previous version scanned n k W configurations for every new window, and decoded every
// configuration with divisions). k = 2 runs an instance with L fixed at compile time (shifts and
// masks, rows of 32 bits). Fixed scratch: two arrays of n W row words (2 KB at most) and a bitset
// of the pending rows (sm_90: 2.5 KB stack frame, the previous version 2 KB).
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
  // k >= 3 (n k <= 16): W <= 32 and n W W <= 8192 leave n W <= 135; W = 64 (k = 4, 8) leaves n <= 2.
  if (len < 1 || len > kNgramMaxWindow) return false;
  uint32_t w_count = 1;
  for (int i = 0; i < len && w_count <= 64; ++i) w_count *= m.k;
  if (w_count <= 32) return ngram_configs<0, 0, uint32_t, 136>(m, static_cast<uint32_t>(len), blank);
  return ngram_configs<0, 0, uint64_t, 128>(m, static_cast<uint32_t>(len), blank);
}

}  // namespace ctm
