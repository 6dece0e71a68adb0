// The body of the CUDA sampler's kernel as a CTM_HD function: a persistent thread takes chunks of
// machine indices from a shared counter and runs sample_machine() (sample_walk.hpp, the code the
// CPU sampler runs) on each, with a sink that adds halting outputs to the device histogram
// (device_histogram.hpp): packed keys as the enumerations (pack_output, pack_grid_output), arena
// records otherwise. kernels/sample.cu launches it; the CPU tests run the very same function on
// host threads (tests/test_device_sample.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/device_histogram.hpp"
#include "core/sample_walk.hpp"

namespace ctm {

// Machine indices a thread takes from the counter at once: fewer atomics on one word; the table does
// not depend on it.
constexpr unsigned kSampleChunk = 8;

// Bytes of per-thread memory (the tape or grid), a multiple of 16.
inline size_t sample_bytes_per_thread(const SampleConfig& c) {
  return (static_cast<size_t>(sample_cells_per_thread(c)) + 15) & ~size_t(15);
}

// A 2D long output: the box of r, rows top to bottom (the cell under the head already written).
CTM_HD void arena_add_grid(const DeviceHistogram& h, const Grid& g, const RunState2d& r, count_t weight) {
  const int w = box_width(r);
  uint8_t* out = arena_record(h, w * box_height(r), w, weight);
  if (!out) return;
  for (int32_t y = r.y_lo; y <= r.y_hi; ++y)
    for (int32_t x = r.x_lo; x <= r.x_hi; ++x) *out++ = g.at(x, y);
}

// The sample_machine() sink of a device thread: outputs to the shared histogram, totals summed per
// thread and flushed once at the end.
struct DeviceSampleSink {
  const DeviceHistogram& h;
  int bits;
  hd::u64 halting_n = 0, proved_n = 0, cutoff_n = 0, machines = 0, steps_n = 0;

  CTM_HD void halting_1d(const uint8_t* cells, int len, int head, uint8_t head_value, uint32_t step) {
    const hd::u64 key = pack_output(cells, len, head, head_value, bits);
    if (key) hash_add(h, key, 1); else arena_add(h, cells, len, head, head_value, 1);
    counted(step);
  }
  CTM_HD void halting_2d(const Grid& g, const RunState2d& r) {
    const hd::u64 key = pack_grid_output(g, r, g.at(r.x, r.y), false, bits);
    if (key) hash_add(h, key, 1); else arena_add_grid(h, g, r, 1);
    counted(r.steps);
  }
  CTM_HD void counted(uint32_t step) {
    hd::atomic_add_u128(&h.hist[2 * static_cast<size_t>(step)], 1);
    ++halting_n;
    steps_n += step;
  }
  CTM_HD void cutoff(uint32_t step) {
    ++cutoff_n;
    steps_n += step;
  }
  CTM_HD void proved(int runs) { proved_n += static_cast<hd::u64>(runs); }
  CTM_HD void flush() {
    hd::atomic_add_u128(&h.stats[kStatHalting], halting_n);
    hd::atomic_add_u128(&h.stats[kStatProved], proved_n);
    hd::atomic_add_u128(&h.stats[kStatCutoff], cutoff_n);
    hd::atomic_add_u64(&h.stats[kStatNodes], machines);  // machines sampled
    hd::atomic_add_u64(&h.stats[kStatSteps], steps_n);
  }
};

// What every sampling thread runs (sample_items_kernel is this and nothing else): take chunks of
// machine indices first + (*next)++ while below end, sample each machine with this thread's tape /
// grid slice (bytes_per_thread bytes, never cleared: every cell is written before it is read), then
// flush the totals. A thread stops taking machines once the attempt is void (error set).
CTM_HD void sample_items(size_t tid, const DeviceHistogram& h, unsigned* next, hd::u64 first, hd::u64 end,
                         const SampleConfig& cfg, size_t bytes_per_thread, uint8_t* memory) {
  uint8_t* cells = memory + tid * bytes_per_thread;
  SampledMachine<kMaxDeviceSampledEntries> m;
  DeviceSampleSink sink{h, bits_per_symbol(cfg.k)};
  for (;;) {
    if (hd::load_u32(h.error)) break;  // attempt void: stop early
    const hd::u64 from = first + hd::atomic_add_u32(next, kSampleChunk);
    if (from >= end) break;
    const hd::u64 to = end - from > kSampleChunk ? from + kSampleChunk : end;
    for (hd::u64 i = from; i < to; ++i) sample_machine(cfg, i, m, cells, sink);
    sink.machines += to - from;
  }
  sink.flush();
}

}  // namespace ctm
