// The per-machine work of sampling mode (sample.hpp) as CTM_HD code: machine `index` of a seed drawn
// into a fixed-size entry array, the can-halt test, and the whole-machine runs on every blank (1D
// tape of tm.hpp, 2D grid of tm2d.hpp), reported to a duck-typed sink. The CPU sampler
// (host/engine/sample.cpp) and the CUDA sampler (device_sample.hpp, kernels/sample.cu) both call
// sample_machine(); they differ only in the sink (strings in a map, or the device histogram).
#pragma once
#include <cstdint>

#include "core/tm2d.hpp"

namespace ctm {

// validate_sampled(): n <= 16 and k <= 16.
constexpr int kMaxSampledEntries = kMaxStates * kMaxSymbols;
// The device keeps a machine in a per-thread array; 64 entries (256 bytes) cover the published
// sampled spaces (4,5), (4,6), (4,9) (20, 24, 36 entries). Larger spaces sample on the CPU.
constexpr int kMaxDeviceSampledEntries = 64;

// SplitMix64 (Steele, Lea & Flood 2014): the finaliser applied to a Weyl sequence.
CTM_HD uint64_t splitmix64_mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// One entry of a whole machine (every entry defined): a halting entry writes and stops.
struct SampledEntry {
  uint8_t write, move, next, halt;
};

template <int Capacity>
struct SampledMachine {
  SampledEntry entry[Capacity];  // state*k + symbol; only the first n*k are used
};

// What a sampling run needs to know about its space, computed once on the host.
struct SampleConfig {
  int n, k, dims;
  uint32_t cutoff;
  uint64_t mixed_seed;  // splitmix64_mix(seed)
  uint32_t base;        // options per entry, k(2n+1) or k(4n+1)
  uint64_t limit;       // largest multiple of base that fits in 2^64: draws at or above are rejected
  int32_t origin;       // 1D: tape cell 0 at cells + origin, 2*origin+1 cells (origin = cutoff + 2)
  int32_t shift;        // 2D: grid side 2^shift (grid_shift_for(cutoff))
};

inline SampleConfig make_sample_config(int n, int k, int dims, uint32_t cutoff, uint64_t seed) {
  SampleConfig c{};
  c.n = n;
  c.k = k;
  c.dims = dims;
  c.cutoff = cutoff;
  c.mixed_seed = splitmix64_mix(seed);
  c.base = static_cast<uint32_t>(k * ((dims == 2 ? 4 : 2) * n + 1));
  c.limit = ~0ull - ~0ull % c.base;
  c.origin = static_cast<int32_t>(cutoff) + 2;
  c.shift = grid_shift_for(cutoff);
  return c;
}

// Cells of the per-run tape (1D) or grid (2D) that one sampler thread needs.
inline uint64_t sample_cells_per_thread(const SampleConfig& c) {
  return c.dims == 2 ? 1ull << (2 * c.shift) : 2ull * static_cast<uint64_t>(c.origin) + 1;
}

// Option r of an entry: r < k halts writing r; otherwise write, move, next state as digits
// (the numbering of decode_entry_option in machine.hpp).
CTM_HD SampledEntry decode_sampled_option(const SampleConfig& c, uint32_t r) {
  if (r < static_cast<uint32_t>(c.k)) return SampledEntry{static_cast<uint8_t>(r), 0, 0, 1};
  r -= c.k;
  const uint32_t moves = c.dims == 2 ? 4u : 2u;
  const uint8_t write = static_cast<uint8_t>(r % c.k);
  r /= c.k;
  return SampledEntry{write, static_cast<uint8_t>(r % moves), static_cast<uint8_t>((r / moves) % c.n), 0};
}

// Machine `index` of the seed: entry e from the e-th accepted draw of the stream that starts at
// mixed_seed + index (rejection sampling: no modulo bias).
template <int Capacity>
CTM_HD void draw_sampled_machine(const SampleConfig& c, uint64_t index, SampledMachine<Capacity>& m) {
  uint64_t state = c.mixed_seed + index;
  const int entries = c.n * c.k;
  for (int e = 0; e < entries; ++e) {
    uint64_t x;
    do {
      state += 0x9e3779b97f4a7c15ull;
      x = splitmix64_mix(state);
    } while (x >= c.limit);
    m.entry[e] = decode_sampled_option(c, static_cast<uint32_t>(x % c.base));
  }
}

// Whether a halting entry is reachable from the initial state through the transition graph.
template <int Capacity>
CTM_HD bool sampled_can_halt(const SampleConfig& c, const SampledMachine<Capacity>& m) {
  uint32_t seen = 1, todo = 1;
  while (todo) {
    const int q = lowest_bit(todo);
    todo &= todo - 1;
    for (int s = 0; s < c.k; ++s) {
      const SampledEntry e = m.entry[q * c.k + s];
      if (e.halt) return true;
      if (!((seen >> e.next) & 1u)) { seen |= 1u << e.next; todo |= 1u << e.next; }
    }
  }
  return false;
}

// Sink interface (duck-typed, CTM_HD):
//   void halting_1d(const uint8_t* cells, int len, int head, uint8_t head_value, uint32_t steps);
//       output cells[0..len) with cells[head] replaced by head_value, halted at step `steps`
//   void halting_2d(const Grid& g, const RunState2d& r);   output: the box of r (head cell written),
//       halted at step r.steps
//   void cutoff(uint32_t steps);   a run that did not halt within the cutoff
//   void proved(int runs);         runs of a machine that cannot halt (not simulated)

// Machine m on blank `blank`, 1D (the tape of tm.hpp; cells: 2*origin+1 cells, never cleared).
template <int Capacity, class Sink>
CTM_HD void run_sampled_1d(const SampleConfig& c, const SampledMachine<Capacity>& m, uint8_t blank, uint8_t* cells,
                           Sink& sink) {
  uint8_t* tape = cells + c.origin;
  RunState r{0, 0, 0, 0, 0, 0};
  tape[0] = blank;
  while (r.steps < c.cutoff) {
    const SampledEntry e = m.entry[r.state * c.k + tape[r.head]];
    if (e.halt) {
      sink.halting_1d(tape + r.lo, r.hi - r.lo + 1, r.head - r.lo, e.write, r.steps + 1);
      return;
    }
    apply_transition(Transition{e.write, e.move, e.next, 0}, r, tape, blank);
  }
  sink.cutoff(r.steps);
}

// Machine m on blank `blank`, 2D (the grid of tm2d.hpp; cells: 2^(2 shift), never cleared).
template <int Capacity, class Sink>
CTM_HD void run_sampled_2d(const SampleConfig& c, const SampledMachine<Capacity>& m, uint8_t blank, uint8_t* cells,
                           Sink& sink) {
  const Grid g{cells, c.shift};
  RunState2d r{};
  g.at(0, 0) = blank;
  while (r.steps < c.cutoff) {
    uint8_t& cell = g.at(r.x, r.y);
    const SampledEntry e = m.entry[r.state * c.k + cell];
    cell = e.write;
    r.steps++;
    if (e.halt) {
      sink.halting_2d(g, r);
      return;
    }
    r.state = e.next;
    move_head_2d(r, g, e.move, blank);
  }
  sink.cutoff(r.steps);
}

// The whole work of one sampled machine: draw it, then either count its k runs as proved
// non-halting (no halting entry reachable) or run it on every blank.
template <int Capacity, class Sink>
CTM_HD void sample_machine(const SampleConfig& c, uint64_t index, SampledMachine<Capacity>& m, uint8_t* cells,
                           Sink& sink) {
  draw_sampled_machine(c, index, m);
  if (!sampled_can_halt(c, m)) {
    sink.proved(c.k);
    return;
  }
  for (int blank = 0; blank < c.k; ++blank) {
    if (c.dims == 2) run_sampled_2d(c, m, static_cast<uint8_t>(blank), cells, sink);
    else run_sampled_1d(c, m, static_cast<uint8_t>(blank), cells, sink);
  }
}

}  // namespace ctm
