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

}  // namespace ctm
