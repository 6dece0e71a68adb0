// The body of the CUDA backend's 2D kernel as a CTM_HD function (spec section 4): as walk_items()
// (device_walk.hpp) for 1D, a persistent thread takes 2D frontier items from a shared queue and walks
// each one's subtree with walk_subtree_2d() (tm2d.hpp) into the shared device histogram
// (device_histogram.hpp), keyed as the CPU 2D accumulator keys its leaves: pack_grid_output() keys
// (top bit set, so never 0 and never a 1D key) and, for boxes too large to pack, arena records with
// the row width. kernels/enumerate2d.cu launches it; the CPU tests run the very same function on
// host threads (tests/test_device_emulation.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/device_histogram.hpp"
#include "core/tm2d.hpp"
#include "ctm/types.hpp"

namespace ctm {

// A 2D work item, flattened: its bounding box (row-major) lives at item_boxes[box_offset, +box_len).
struct DeviceItem2d {
  PartialMachine m;
  RunState2d r;
  count_t mult;
  uint32_t box_offset, box_len;
};

// Per-thread walk memory, one slice of a global buffer per thread, as Explorer2d allocates it on
// the CPU: a 2^shift x 2^shift grid per tree level (levels n*k+2), the frames, and one grid-sized
// proof scratch. Each part is a multiple of 16 bytes so the frames (count_t) stay aligned.
struct ThreadMemoryLayout2d {
  int32_t shift;
  int levels;
  size_t grid_bytes, grids_bytes, frames_bytes, scratch_bytes, per_thread;
};

inline ThreadMemoryLayout2d thread_memory_layout_2d(int entries, uint32_t cutoff) {
  ThreadMemoryLayout2d lay{};
  lay.shift = grid_shift_for(cutoff);
  lay.levels = entries + 2;
  lay.grid_bytes = static_cast<size_t>(1) << (2 * lay.shift);  // >= 16 (shift >= 2 since cutoff + 2 >= 3)
  lay.grids_bytes = (static_cast<size_t>(lay.levels) * lay.grid_bytes + 15) & ~size_t(15);
  lay.frames_bytes = (static_cast<size_t>(lay.levels) * sizeof(WalkFrame2d) + 15) & ~size_t(15);
  lay.scratch_bytes = (lay.grid_bytes + 15) & ~size_t(15);
  lay.per_thread = lay.grids_bytes + lay.frames_bytes + lay.scratch_bytes;
  return lay;
}

// One 2D output into the histogram: the box of r, cell (r.x, r.y) replaced by head_value, rows
// bottom to top when `reflect` -- the key Accumulator2d::add() uses on the CPU (packed when it fits,
// else the cells row-major with the row width, which parse_arena() joins with '-').
CTM_HD void histogram_grid_output(const DeviceHistogram& h, const Grid& g, const RunState2d& r, uint8_t head_value,
                                  bool reflect, int bits, count_t weight) {
  if (const hd::u64 key = pack_grid_output(g, r, head_value, reflect, bits)) {
    hash_add(h, key, weight);
    return;
  }
  const int height = box_height(r), width = box_width(r);
  uint8_t* out = arena_record(h, height * width, width, weight);
  if (!out) return;
  for (int i = 0; i < height; ++i) {
    const int32_t y = reflect ? r.y_hi - i : r.y_lo + i;
    for (int32_t x = r.x_lo; x <= r.x_hi; ++x) *out++ = (x == r.x && y == r.y) ? head_value : g.at(x, y);
  }
}

// The walk_subtree_2d() sink of a device thread: what Explorer2d's sink records on the CPU (k leaves
// per halting node, each also reflected when the machine has a vertical entry; halting time; cut-off,
// proved, steps and nodes), the counts to the shared histogram and the totals flushed once at the end.
struct DeviceSink2d : DeviceSinkTotals {
  int k, bits;

  CTM_HD DeviceSink2d(const DeviceHistogram& hist, int symbols, int symbol_bits)
      : DeviceSinkTotals(hist), k(symbols), bits(symbol_bits) {}
  CTM_HD void halting(const Grid& g, const RunState2d& r, const WalkFrame2d&, count_t weight, uint32_t step,
                      bool reflected_too) {
    for (int w = 0; w < k; ++w) {
      histogram_grid_output(h, g, r, static_cast<uint8_t>(w), false, bits, weight);
      if (reflected_too) histogram_grid_output(h, g, r, static_cast<uint8_t>(w), true, bits, weight);
    }
    const count_t runs = weight * static_cast<count_t>(k) * (reflected_too ? 2 : 1);
    hd::atomic_add_u128(&h.hist[2 * static_cast<size_t>(step)], runs);
    halting_w += runs;
  }
  CTM_HD void frontier(const PartialMachine&, const RunState2d&, count_t, const Grid&) {}
};

// What every thread of the 2D kernel runs (walk_items_2d_kernel is this and nothing else): take
// items first_item + (*next_item)++ below end_item, copy each item's box into the level-0 grid of
// this thread's memory slice and walk its subtree (every move, halting leaves counted: as
// Explorer2d::expand() on a frontier item), then flush the thread's totals.
CTM_HD void walk_items_2d(size_t tid, const DeviceHistogram& h, unsigned* next_item, const DeviceItem2d* items,
                          const uint8_t* item_boxes, uint32_t first_item, uint32_t end_item, const WalkConfig2d& cfg,
                          const ThreadMemoryLayout2d& lay, uint8_t* memory) {
  uint8_t* mine = memory + tid * lay.per_thread;
  WalkMemory2d mem;
  mem.grids = mine;
  mem.shift = lay.shift;
  mem.frames = reinterpret_cast<WalkFrame2d*>(mine + lay.grids_bytes);
  mem.scratch = ProofScratch2d{mine + lay.grids_bytes + lay.frames_bytes, static_cast<int32_t>(lay.grid_bytes)};
  DeviceSink2d sink{h, cfg.k, bits_per_symbol(cfg.k)};
  for (;;) {
    if (hd::load_u32(h.error)) break;  // attempt void: stop early
    const uint32_t i = first_item + hd::atomic_add_u32(next_item, 1u);
    if (i >= end_item) break;
    const DeviceItem2d& item = items[i];
    buffer_to_box(mem.grid(0), item_boxes + item.box_offset, item.r);
    walk_subtree_2d(cfg, item.m, item.r, item.mult, false, false, mem, sink);
  }
  sink.flush();
}

}  // namespace ctm
