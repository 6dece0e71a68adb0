// The CUDA backend's 2D device code on the CPU, beyond the tables that test_device_emulation.cpp
// compares for 1D and 2D alike: the grid keys of histogram_output<Grid2d>() (packed and arena
// records) and the per-thread grid memory of the 2D launch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/device_walk.hpp"
#include "ctm/enumerate.hpp"
#include "ctm/grid_key.hpp"
#include "cuda_backend.hpp"
#include "device_driver.hpp"
#include "host_device_ops.hpp"
#include "table_testing.hpp"

using namespace ctm;
using namespace ctm::detail;

// One 2D output into the histogram, packed and not: the packed key is pack_grid_output()'s, and an
// arena record parses back to the grid key the CPU accumulator would use (rows joined by '-',
// reversed when reflected, head cell replaced).
TEST(DeviceHistogram2d, GridOutputsKeyedAsOnTheCpu) {
  const int side = 16;
  std::vector<uint8_t> cells(side * side, 0);
  const Grid g{cells.data(), 4};
  RunState2d r{1, 2, 0, 8, 0, 2, 0, 0, 0};  // a 3 x 9 box: 27 cells, too many for 51 bits at k=3
  for (int32_t y = 0; y <= 2; ++y)
    for (int32_t x = 0; x <= 8; ++x) g.at(x, y) = static_cast<uint8_t>((x + 2 * y) % 3);
  std::vector<hd::u64> keys(16, 0), counts(32, 0), arena_words(64, 0);
  hd::u64 used = 0;
  unsigned keys_used = 0, error = 0;
  DeviceHistogram h{};
  h.keys = keys.data();
  h.counts = counts.data();
  h.mask = 15;
  h.shift = hash_shift_for(16);
  h.max_keys = 8;
  h.keys_used = &keys_used;
  h.arena = reinterpret_cast<uint8_t*>(arena_words.data());
  h.arena_used = &used;
  h.arena_capacity = arena_words.size() * 8;
  h.error = &error;
  histogram_output<Grid2d>(h, g, r, 2, false, 2, 5);
  histogram_output<Grid2d>(h, g, r, 2, true, 2, 7);
  EXPECT_EQ(keys_used, 0u);
  EXPECT_EQ(error, 0u);
  std::unordered_map<std::string, count_t> out;
  parse_arena(h.arena, used, out);
  ASSERT_EQ(out.size(), 2u);
  std::vector<std::string> rows;
  for (int32_t y = 0; y <= 2; ++y) {
    std::string row;
    for (int32_t x = 0; x <= 8; ++x) row += symbol_char((x == 1 && y == 2) ? 2 : (x + 2 * y) % 3);
    rows.push_back(row);
  }
  const std::string key = join_grid_key(rows);
  EXPECT_EQ(to_string(out[key]), "5");
  EXPECT_EQ(to_string(out[reflect_grid_key(key)]), "7");
  // A record past the capacity sets kArenaFull and is not written.
  const hd::u64 full = used;
  h.arena_capacity = used + 8;
  histogram_output<Grid2d>(h, g, r, 0, false, 2, 1);
  EXPECT_EQ(error, unsigned(kArenaFull));
  error = 0;
  used = full;

  // A 2 x 3 box at k=2 packs: the key is pack_grid_output()'s, in the hash.
  const RunState2d small{0, 0, 0, 2, 0, 1, 0, 0, 0};
  histogram_output<Grid2d>(h, g, small, 1, false, 1, 3);
  EXPECT_EQ(keys_used, 1u);
  const hd::u64 packed = pack_grid_output(g, small, 1, false, 1);
  ASSERT_NE(packed, 0u);
  int found = 0;
  for_each_hash_entry(keys.data(), counts.data(), 16, [&](uint64_t k, count_t c) {
    EXPECT_EQ(k, packed);
    EXPECT_EQ(to_string(c), "3");
    ++found;
  });
  EXPECT_EQ(found, 1);
}

// Per-thread memory: n*k+2 grids of side 2^shift >= cutoff + 2, the frames and one scratch grid,
// each 16-byte aligned; and a cutoff whose grids do not fit is plan_launch()'s clear error.
TEST(DeviceLaunchPlan2d, MemoryFromTheCutoff) {
  const ThreadMemoryLayout<Grid2d> lay = thread_memory_layout<Grid2d>(10, 500);  // (5,2)_2D at T=500: side 512
  const size_t grid_bytes = size_t(512) * 512;
  EXPECT_EQ(lay.store.shift, 9);
  EXPECT_EQ(lay.levels, 12);
  EXPECT_EQ(lay.cells_bytes, 12 * grid_bytes);
  EXPECT_EQ(lay.frames_bytes % 16, 0u);
  EXPECT_GE(lay.frames_bytes, 12 * sizeof(WalkFrame<Grid2d>));
  EXPECT_EQ(lay.per_thread, lay.cells_bytes + lay.frames_bytes + grid_bytes);
  const ThreadMemoryLayout<Grid2d> big = thread_memory_layout<Grid2d>(10, 4096);  // side 8192: 64 MiB a grid
  EXPECT_THROW(plan_launch(size_t(1) << 30, big.per_thread, 132, 7, 4096), Error);
  EXPECT_NO_THROW(plan_launch(size_t(140) << 30, lay.per_thread, 132, 7, 500));
}
