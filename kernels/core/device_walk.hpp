// The body of the CUDA backend's enumeration kernel as a CTM_HD function, one template for every
// geometry (Tape1d, Grid2d: geometry.hpp): a persistent thread takes frontier items from a shared
// queue and walks each one's subtree with walk_subtree() into the device histogram
// (device_histogram.hpp), keyed as the CPU accumulator keys its leaves: Geo::pack() keys (a 2D key
// has its top bit set, so never a 1D key) and, for outputs too long to pack, arena records with the
// row width. kernels/enumerate.cu launches it; the CPU tests run the very same function on host
// threads (tests/test_device_emulation*.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/device_histogram.hpp"
#include "core/geometry.hpp"
#include "ctm/types.hpp"

namespace ctm {

// A work item, flattened: its cells (Geo::save) live at item_cells[cells_offset, cells_offset + cells_len).
template <class Geo>
struct DeviceItem {
  PartialMachine m;
  typename Geo::Run r;
  count_t mult;
  uint32_t cells_offset, cells_len;
};

// Per-thread walk memory, one slice of a global buffer per thread, as the CPU explorer allocates it:
// the cells of every tree level (levels n*k+2; Geo::Store, its base set per thread), the walk frames
// and the proof scratch. Each part is a multiple of 16 bytes so the frames (count_t) stay aligned.
template <class Geo>
struct ThreadMemoryLayout {
  typename Geo::Store store;
  int levels;
  uint32_t cutoff;
  size_t cells_bytes, frames_bytes, scratch_bytes, per_thread;
};

template <class Geo>
ThreadMemoryLayout<Geo> thread_memory_layout(int entries, uint32_t cutoff) {
  auto round16 = [](size_t b) { return (b + 15) & ~size_t(15); };
  ThreadMemoryLayout<Geo> lay{};
  lay.store = Geo::store_for(cutoff);
  lay.levels = entries + 2;
  lay.cutoff = cutoff;
  lay.cells_bytes = round16(static_cast<size_t>(lay.levels) * Geo::level_bytes(lay.store));
  lay.frames_bytes = round16(static_cast<size_t>(lay.levels) * sizeof(WalkFrame<Geo>));
  lay.scratch_bytes = round16(Geo::scratch_bytes(lay.store));
  lay.per_thread = lay.cells_bytes + lay.frames_bytes + lay.scratch_bytes;
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

// One output into the histogram: the cells of r, the head cell replaced by head_value (reflected
// when `reflect`), keyed as AccumulatorOf<Geo>::add_output() keys it on the CPU (packed when it fits,
// else an arena record with the row width, which parse_arena() joins with '-').
template <class Geo>
CTM_HD void histogram_output(const DeviceHistogram& h, const typename Geo::Cells& cells, const typename Geo::Run& r,
                             uint8_t head_value, bool reflect, int bits, count_t weight) {
  if (const hd::u64 key = Geo::pack(cells, r, head_value, reflect, bits)) {
    hash_add(h, key, weight);
    return;
  }
  uint8_t* out = arena_record(h, static_cast<int>(Geo::cell_count(r)), Geo::row_width(r), weight);
  if (out) Geo::write_output(out, cells, r, head_value, reflect);
}

// The walk_subtree() sink of a device thread: what the CPU explorer's sink records (k leaves per
// halting node, each also reflected when the walk says so; halting time; cut-off, proved, steps and
// nodes), the counts to the shared histogram and the totals flushed once at the end.
template <class Geo>
struct DeviceSink : DeviceSinkTotals {
  int k, bits;

  CTM_HD DeviceSink(const DeviceHistogram& hist, int symbols, int symbol_bits)
      : DeviceSinkTotals(hist), k(symbols), bits(symbol_bits) {}
  CTM_HD void halting(const typename Geo::Cells& cells, const typename Geo::Run& r, const WalkFrame<Geo>&,
                      count_t weight, uint32_t step, bool reflected_too) {
    for (int w = 0; w < k; ++w) {
      histogram_output<Geo>(h, cells, r, static_cast<uint8_t>(w), false, bits, weight);
      if (reflected_too) histogram_output<Geo>(h, cells, r, static_cast<uint8_t>(w), true, bits, weight);
    }
    const count_t runs = weight * static_cast<count_t>(k) * (reflected_too ? 2 : 1);
    hd::atomic_add_u128(&h.hist[2 * static_cast<size_t>(step)], runs);
    halting_w += runs;
  }
  CTM_HD void frontier(const PartialMachine&, const typename Geo::Run&, count_t, const typename Geo::Cells&) {}
};

// What every device thread runs (walk_items_kernel is this and nothing else): take items
// first_item + (*next_item)++ while they are below end_item, load each item's cells into level 0 of
// this thread's memory slice and walk its subtree (every move, halting leaves counted: as the CPU
// explorer's expand() on a frontier item), then flush the thread's totals. A thread stops taking
// items once the attempt is void (error set).
template <class Geo>
CTM_HD void walk_items(size_t tid, const DeviceHistogram& h, unsigned* next_item, const DeviceItem<Geo>* items,
                       const uint8_t* item_cells, uint32_t first_item, uint32_t end_item, const WalkConfig& cfg,
                       const ThreadMemoryLayout<Geo>& lay, uint8_t* memory) {
  uint8_t* mine = memory + tid * lay.per_thread;
  typename Geo::Store store = lay.store;
  store.base = mine;
  const WalkMemory<Geo> mem{store, reinterpret_cast<WalkFrame<Geo>*>(mine + lay.cells_bytes),
                            Geo::scratch_at(mine + lay.cells_bytes + lay.frames_bytes, store)};
  DeviceSink<Geo> sink{h, cfg.k, bits_per_symbol(cfg.k)};
  for (;;) {
    if (hd::load_u32(h.error)) break;  // attempt void: stop early
    const uint32_t i = first_item + hd::atomic_add_u32(next_item, 1u);
    if (i >= end_item) break;
    const DeviceItem<Geo>& item = items[i];
    Geo::load(mem.cells(0), item.r, item_cells + item.cells_offset);
    walk_subtree(cfg, item.m, item.r, item.mult, false, false, mem, sink);
  }
  sink.flush();
}

}  // namespace ctm
