// The CUDA backend's leaf histogram, in one CTM_HD implementation that the kernel runs on the device
// and the CPU tests run on host threads (tests/test_device_emulation.cpp): an open-addressing hash of
// packed outputs with exact 128-bit counts, an arena for outputs too long to pack, and the host-side
// parsing of both back into counts. Atomics go through ctm::hd (CUDA atomics on the device, GCC
// __atomic builtins on the host), so the only code the CPU cannot run is the launch itself.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>

#include "core/limits.hpp"
#include "core/tree_walk.hpp"
#include "ctm/types.hpp"

namespace ctm {
namespace hd {

using u64 = unsigned long long;

// Relaxed atomics: counts are sums of integers, so no ordering is needed between different words;
// everything is read back only after the launch (or the host threads) finished.
CTM_HD u64 atomic_add_u64(u64* p, u64 v) {
#ifdef __CUDA_ARCH__
  return atomicAdd(p, v);
#else
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
#endif
}
CTM_HD unsigned atomic_add_u32(unsigned* p, unsigned v) {
#ifdef __CUDA_ARCH__
  return atomicAdd(p, v);
#else
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
#endif
}
// Returns the value seen at *p (== expected when the swap happened).
CTM_HD u64 atomic_cas_u64(u64* p, u64 expected, u64 desired) {
#ifdef __CUDA_ARCH__
  return atomicCAS(p, expected, desired);
#else
  __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return expected;
#endif
}
CTM_HD void atomic_or_u32(unsigned* p, unsigned v) {
#ifdef __CUDA_ARCH__
  atomicOr(p, v);
#else
  __atomic_fetch_or(p, v, __ATOMIC_RELAXED);
#endif
}
// Reads of words other threads write: not cached in a register.
CTM_HD u64 load_u64(const u64* p) {
#ifdef __CUDA_ARCH__
  return *reinterpret_cast<const volatile u64*>(p);
#else
  return __atomic_load_n(p, __ATOMIC_RELAXED);
#endif
}
CTM_HD unsigned load_u32(const unsigned* p) {
#ifdef __CUDA_ARCH__
  return *reinterpret_cast<const volatile unsigned*>(p);
#else
  return __atomic_load_n(p, __ATOMIC_RELAXED);
#endif
}

// An exact 128-bit add from two 64-bit atomics. Each low-word add wraps at most once, and exactly
// when its own addition wraps, so high = sum of highs + number of wraps, whatever the interleaving.
CTM_HD void atomic_add_u128(u64* p, count_t v) {
  const u64 lo = static_cast<u64>(v);
  u64 hi = static_cast<u64>(v >> 64);
  const u64 old = atomic_add_u64(p, lo);
  if (old + lo < old) ++hi;  // carry out of the low word
  if (hi) atomic_add_u64(p + 1, hi);
}

}  // namespace hd

// Bits of DeviceHistogram::error: the attempt is void and is rerun with a larger hash / arena.
enum DeviceError : unsigned { kHashFull = 1, kArenaFull = 2 };
// Layout of DeviceHistogram::stats (u64 words; the first three are 128-bit low/high pairs).
enum DeviceStat : int { kStatHalting = 0, kStatProved = 2, kStatCutoff = 4, kStatNodes = 6, kStatSteps = 7, kStatWords = 8 };

// Pointers into device memory (or host memory with the same layout, in the emulation).
struct DeviceHistogram {
  hd::u64* keys;        // hash keys (pack_output), 0 = empty; a key never changes once set
  hd::u64* counts;      // 2 words (low, high) per slot
  uint32_t mask;        // slots - 1 (slots a power of 2, >= 2)
  uint32_t shift;       // 64 - log2(slots): hash_slot() spans exactly the table
  uint32_t max_keys;    // load-factor cap (slots / 2): probes stay short; more voids the attempt
  unsigned* keys_used;  // occupied slots
  hd::u64* stats;       // DeviceStat layout
  hd::u64* hist;        // 2 words per halting step 0..cutoff
  uint8_t* arena;       // long outputs, records: [u32 len][u32 width][u64 lo][u64 hi][len bytes, padded to 8]
                        // (width: 2D row length, rows joined by '-' when parsed; 0 for 1D)
  hd::u64* arena_used;  // bytes reserved (may exceed the capacity: then kArenaFull is set)
  hd::u64 arena_capacity;
  unsigned* error;      // DeviceError bits
};

// Fibonacci hashing: the top log2(slots) bits of key * 2^64/phi.
CTM_HD uint32_t hash_slot(hd::u64 key, uint32_t shift) {
  return static_cast<uint32_t>((key * 0x9E3779B97F4A7C15ull) >> shift);
}

CTM_HD uint32_t hash_shift_for(uint32_t slots) {
  uint32_t log2 = 0;
  while ((2ull << log2) <= slots) ++log2;
  return 64u - log2;
}

// Adds w to the count of `key` (non-zero). Linear probing; claiming an empty slot past the load cap,
// or finding no slot at all, sets kHashFull (the attempt is then void: nothing is ever dropped
// from a table that is used).
CTM_HD void hash_add(const DeviceHistogram& h, hd::u64 key, count_t w) {
  uint32_t slot = hash_slot(key, h.shift) & h.mask;
  for (uint32_t probe = 0; probe <= h.mask; ++probe) {
    hd::u64 seen = hd::load_u64(&h.keys[slot]);
    if (seen == 0) {
      seen = hd::atomic_cas_u64(&h.keys[slot], 0ull, key);
      if (seen == 0 && hd::atomic_add_u32(h.keys_used, 1u) >= h.max_keys) hd::atomic_or_u32(h.error, kHashFull);
    }
    if (seen == 0 || seen == key) {
      hd::atomic_add_u128(&h.counts[2 * static_cast<size_t>(slot)], w);
      return;
    }
    slot = (slot + 1) & h.mask;
  }
  hd::atomic_or_u32(h.error, kHashFull);
}

CTM_HD hd::u64 arena_record_bytes(hd::u64 len) { return 24 + ((len + 7) & ~7ull); }

// Reserves one arena record of `len` cells and writes its header (width: row length of a 2D output,
// 0 for 1D); returns where the cells go, or nullptr (and kArenaFull) when it does not fit. Every
// record is a multiple of 8 bytes, so the stores below are aligned.
CTM_HD uint8_t* arena_record(const DeviceHistogram& h, int len, int width, count_t weight) {
  const hd::u64 bytes = arena_record_bytes(static_cast<hd::u64>(len));
  const hd::u64 at = hd::atomic_add_u64(h.arena_used, bytes);
  if (at + bytes > h.arena_capacity) {
    hd::atomic_or_u32(h.error, kArenaFull);
    return nullptr;
  }
  uint8_t* rec = h.arena + at;
  *reinterpret_cast<uint32_t*>(rec) = static_cast<uint32_t>(len);
  *reinterpret_cast<uint32_t*>(rec + 4) = static_cast<uint32_t>(width);
  *reinterpret_cast<hd::u64*>(rec + 8) = static_cast<hd::u64>(weight);
  *reinterpret_cast<hd::u64*>(rec + 16) = static_cast<hd::u64>(weight >> 64);
  return rec + 24;
}

// Appends one long output (cells[0..len), cells[head] replaced by w) with its weight.
CTM_HD void arena_add(const DeviceHistogram& h, const uint8_t* cells, int len, int head, int w, count_t weight) {
  uint8_t* out = arena_record(h, len, 0, weight);
  if (!out) return;
  for (int i = 0; i < len; ++i) out[i] = i == head ? static_cast<uint8_t>(w) : cells[i];
}

// --- Host side: reading the buffers back (after they were copied to host memory) ---------------

inline count_t u128_at(const hd::u64* words) {
  return static_cast<count_t>(words[0]) | (static_cast<count_t>(words[1]) << 64);
}

// Adds the arena's records [0, used) to `out`, keyed by the output string (symbol_char digits; a
// 2D record's rows joined by '-', as grid_key.hpp).
inline void parse_arena(const uint8_t* arena, hd::u64 used, std::unordered_map<std::string, count_t>& out) {
  for (hd::u64 at = 0; at < used;) {
    uint32_t len, width;
    hd::u64 words[2];
    std::memcpy(&len, arena + at, 4);
    std::memcpy(&width, arena + at + 4, 4);
    std::memcpy(words, arena + at + 8, 16);
    std::string s;
    s.reserve(width ? len + len / width : len);
    for (uint32_t i = 0; i < len; ++i) {
      if (width && i && i % width == 0) s += '-';
      s += symbol_char(arena[at + 24 + i]);
    }
    out[s] += u128_at(words);
    at += arena_record_bytes(len);
  }
}

// Calls f(key, count) for every occupied slot of a hash copied back whole (keys[n], counts[2n]).
template <class F>
void for_each_hash_entry(const hd::u64* keys, const hd::u64* counts, size_t n, F&& f) {
  for (size_t s = 0; s < n; ++s)
    if (keys[s]) f(keys[s], u128_at(counts + 2 * s));
}

// What every device sink (1D and 2D enumeration) sums per thread and flushes once at the end, and the
// poll that stops a voided attempt: a full hash or arena voids it (it is rerun larger), so the walk
// stops soon. Polled every kDeviceCancelPollMask + 1 nodes so the walk does not read global memory at every step.
struct DeviceSinkTotals {
  const DeviceHistogram& h;
  count_t halting_w = 0, proved_w = 0, cutoff_w = 0;
  hd::u64 nodes = 0, steps_n = 0;

  CTM_HD explicit DeviceSinkTotals(const DeviceHistogram& hist) : h(hist) {}
  CTM_HD void node() { ++nodes; }
  CTM_HD void cutoff(count_t w) { cutoff_w += w; }
  CTM_HD void proved(count_t w) { proved_w += w; }
  CTM_HD void steps(uint32_t n) { steps_n += n; }
  CTM_HD bool cancelled() { return (nodes & kDeviceCancelPollMask) == 0 && hd::load_u32(h.error) != 0; }
  CTM_HD void flush() {
    hd::atomic_add_u128(&h.stats[kStatHalting], halting_w);
    hd::atomic_add_u128(&h.stats[kStatProved], proved_w);
    hd::atomic_add_u128(&h.stats[kStatCutoff], cutoff_w);
    hd::atomic_add_u64(&h.stats[kStatNodes], nodes);
    hd::atomic_add_u64(&h.stats[kStatSteps], steps_n);
  }
};

}  // namespace ctm
