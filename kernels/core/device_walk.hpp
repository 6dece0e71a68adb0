// The body of the CUDA backend's kernel as a CTM_HD function: a persistent thread takes frontier
// items from a shared queue and walks each one's subtree with walk_subtree() into the device
// histogram (device_histogram.hpp). kernels/enumerate.cu launches it; the CPU tests run the very
// same function on host threads (tests/test_device_emulation.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/device_histogram.hpp"
#include "core/tree_walk.hpp"
#include "ctm/types.hpp"

namespace ctm {

// A work item, flattened: its tape window lives at item_tapes[tape_offset, tape_offset + tape_len).
struct DeviceItem {
  PartialMachine m;
  RunState r;
  count_t mult;
  uint32_t tape_offset, tape_len;
};

// Per-thread walk memory, one slice of a global buffer per thread: a tape per tree level, the walk
// frames and the proof scratch (as on the CPU: stride 2T+5, origin T+2, levels n*k+2).
struct ThreadMemoryLayout {
  int32_t stride, origin;
  int levels;
  size_t tapes_bytes, frames_bytes, scratch_bytes, per_thread;
};

inline ThreadMemoryLayout thread_memory_layout(int entries, uint32_t cutoff) {
  ThreadMemoryLayout lay{};
  lay.origin = static_cast<int32_t>(cutoff) + 2;
  lay.stride = 2 * lay.origin + 1;
  lay.levels = entries + 2;
  lay.tapes_bytes = (static_cast<size_t>(lay.levels) * lay.stride + 15) & ~size_t(15);
  lay.frames_bytes = static_cast<size_t>(lay.levels) * sizeof(WalkFrame);
  lay.scratch_bytes = (3 * static_cast<size_t>(lay.stride) + 15) & ~size_t(15);
  lay.per_thread = lay.tapes_bytes + lay.frames_bytes + lay.scratch_bytes;
  return lay;
}

// The launch shape: `block` threads per block, `blocks` blocks.
struct LaunchPlan {
  int block, blocks;
};

// Threads the device can hold: resident blocks (occupancy) limited by walk memory, which may use
// half of the free memory (the hash, arena and items need the rest). Throws one clear line when not
// even one warp fits.
inline LaunchPlan plan_launch(size_t free_bytes, size_t per_thread, int sm_count, int blocks_per_sm, uint32_t cutoff) {
  const size_t fit = free_bytes / 2 / per_thread;  // threads whose walk memory fits
  if (fit < 32)
    throw Error("CUDA backend: cutoff " + std::to_string(cutoff) + " needs " + std::to_string(per_thread) +
                " bytes of walk memory per thread, and 32 threads do not fit in half of the device's " +
                std::to_string(free_bytes >> 20) + " MiB free; use a smaller cutoff or --backend cpu");
  const size_t block = fit >= 128 ? 128 : fit / 32 * 32;
  const size_t resident = static_cast<size_t>(sm_count > 0 ? sm_count : 1) * (blocks_per_sm > 0 ? blocks_per_sm : 1);
  const size_t blocks = fit / block < resident ? fit / block : resident;
  return LaunchPlan{static_cast<int>(block), static_cast<int>(blocks > 0 ? blocks : 1)};
}

// The walk_subtree() sink of a device thread: halting leaves go to the shared histogram, the
// totals are summed per thread and flushed once at the end (DeviceSinkTotals).
struct DeviceSink : DeviceSinkTotals {
  int k, bits;

  CTM_HD DeviceSink(const DeviceHistogram& hist, int symbols, int symbol_bits)
      : DeviceSinkTotals(hist), k(symbols), bits(symbol_bits) {}
  CTM_HD void halting(const uint8_t* cells, int len, int head, const WalkFrame&, count_t weight, uint32_t step) {
    histogram_halting(h, k, bits, cells, len, head, weight, step);
    halting_w += weight * static_cast<count_t>(k);
  }
  CTM_HD void frontier(const PartialMachine&, const RunState&, count_t, const uint8_t*) {}
};

// What every device thread runs (walk_items_kernel is this and nothing else): take items
// first_item + (*next_item)++ while they are below end_item, walk each item's subtree in this
// thread's memory slice, then flush the thread's totals. A thread stops taking items once the
// attempt is void (error set).
CTM_HD void walk_items(size_t tid, const DeviceHistogram& h, unsigned* next_item, const DeviceItem* items,
                       const uint8_t* item_tapes, uint32_t first_item, uint32_t end_item, const WalkConfig& cfg,
                       const ThreadMemoryLayout& lay, uint8_t* memory) {
  uint8_t* mine = memory + tid * lay.per_thread;
  WalkMemory mem;
  mem.tapes = mine;
  mem.stride = lay.stride;
  mem.origin = lay.origin;
  mem.frames = reinterpret_cast<WalkFrame*>(mine + lay.tapes_bytes);
  uint8_t* scratch = mine + lay.tapes_bytes + lay.frames_bytes;
  mem.scratch = ProofScratch{scratch, scratch + lay.stride, scratch + 2 * lay.stride, lay.stride};
  DeviceSink sink{h, cfg.k, bits_per_symbol(cfg.k)};
  for (;;) {
    if (hd::load_u32(h.error)) break;  // attempt void: stop early
    const uint32_t i = first_item + hd::atomic_add_u32(next_item, 1u);
    if (i >= end_item) break;
    const DeviceItem& item = items[i];
    uint8_t* t0 = mem.tape(0);
    for (uint32_t c = 0; c < item.tape_len; ++c) t0[item.r.lo + static_cast<int32_t>(c)] = item_tapes[item.tape_offset + c];
    walk_subtree(cfg, item.m, item.r, item.mult, false, false, mem, sink);
  }
  sink.flush();
}

}  // namespace ctm
