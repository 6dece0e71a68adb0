// The CUDA backend's 2D device code, run on the CPU (as test_device_emulation.cpp does for 1D):
// HostDeviceOps stands in for the GPU (host memory in the device layout filled with garbage; a
// "launch" runs walk_items_2d(), the 2D kernel's whole body, on several std::threads) and
// drive_device_walk_2d() is the same batch, drain and retry loop the GPU launcher runs. Tables must
// equal the CPU 2D enumeration's count for count (outputs, halting, proved, cut off, halting times,
// tree nodes, simulated steps), including with tiny hash and arena sizes that force the drain and
// retry paths. Not covered: real GPU concurrency, Thrust, and the CUDA API calls themselves.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/device_walk2d.hpp"
#include "ctm/enumerate.hpp"
#include "ctm/grid_key.hpp"
#include "cuda_backend.hpp"
#include "device_driver.hpp"
#include "host_device_ops.hpp"
#include "table_testing.hpp"

using namespace ctm;
using namespace ctm::detail;

namespace {

struct Emu2dCase {
  const char* name;
  int n, k;
  uint32_t cutoff;
  uint32_t shard = 0, shards = 1;
  uint32_t slots = 1u << 22;
  uint64_t arena = 64ull << 20;
  uint32_t batch = 0;  // items per launch (min = max), 0 = default
  int device_depth = 0;
  bool expect_retry = false, expect_hash_drains = false;  // the paths must run
};


EnumerateOptions options_of(const Emu2dCase& c) {
  EnumerateOptions o;
  o.space = Space{c.n, c.k, 2};
  o.cutoff = c.cutoff;
  o.shard_index = c.shard;
  o.shard_count = c.shards;
  o.device_frontier_depth = c.device_depth;
  return o;
}


EmulatedRun run_emulated(const Emu2dCase& c) {
  EmulatedRun run;
  const DeviceWalkOptions w = emulation_walk_options(c.slots, c.arena, c.batch);
  run.table = enumerate_2d_device(
      options_of(c), c.cutoff,
      [&](const Space& space, uint32_t cutoff, const std::vector<DeviceItem2d>& items, const std::vector<uint8_t>& boxes,
          const DeviceProgressFn& p) {
        HostDeviceOps ops;
        DeviceLeaves leaves = drive_device_walk_2d(ops, space, cutoff, items, boxes, w, p);
        run.record(ops, leaves);
        run.items = items.size();
        return leaves;
      },
      "cuda-emulated");
  return run;
}

Table cpu_table(const Emu2dCase& c) {
  EnumerateOptions o = options_of(c);
  o.backend = "cpu";
  return enumerate(o);
}

}  // namespace

class DeviceEmulation2d : public ::testing::TestWithParam<Emu2dCase> {};

TEST_P(DeviceEmulation2d, EqualsCpuBackend) {
  const Emu2dCase c = GetParam();
  const Table expected = cpu_table(c);
  const EmulatedRun got = run_emulated(c);
  EXPECT_EQ(got.table.meta.backend, "cuda-emulated");
  test_support::expect_identical(expected, got.table);
  EXPECT_EQ(got.table.meta.tree_nodes, expected.meta.tree_nodes);
  EXPECT_EQ(got.table.meta.simulated_steps, expected.meta.simulated_steps);
  EXPECT_EQ(got.table.meta.work_items_done, expected.meta.work_items_done);
  EXPECT_EQ(got.table.meta.work_items_total, expected.meta.work_items_total);
  EXPECT_GE(got.launches, 1);
  EXPECT_GE(got.items, 1u);
  if (c.batch) {
    EXPECT_LE(got.max_batch, c.batch);
  }
  if (c.expect_retry) {
    EXPECT_GT(got.attempts, 1) << "no attempt overflowed";
  }
  if (c.expect_hash_drains) {
    EXPECT_GT(got.hash_drains, 1) << "the hash was drained only at the end";
  }
}

// Tiny cases: 64 hash slots overflow (kHashFull, retry at 4x) and are drained between batches once
// a quarter full. No space small enough to enumerate here has an output too large to pack (the
// largest halting box of (4,2)_2D at T=30 has 36 cells, of (2,3)_2D at T=100 16 cells: 51 bits
// hold 51 and 25), so the 2D arena records and their overflow are checked directly below
// (DeviceHistogram2d.GridOutputsKeyedAsOnTheCpu); the driver's arena drain is the 1D tests'.
INSTANTIATE_TEST_SUITE_P(
    Cases, DeviceEmulation2d,
    ::testing::Values(Emu2dCase{"n2k2_t40", 2, 2, 40}, Emu2dCase{"n3k2_t40", 3, 2, 40}, Emu2dCase{"n3k2_t100", 3, 2, 100},
                      Emu2dCase{"n4k2_t30", 4, 2, 30}, Emu2dCase{"n2k3_t40", 2, 3, 40},
                      Emu2dCase{"n3k2_shard", 3, 2, 100, 2, 5},
                      Emu2dCase{"n4k2_shard", 4, 2, 30, 5, 11},
                      Emu2dCase{"n3k2_tiny_hash", 3, 2, 100, 0, 1, 64, 1u << 20, 16, 0, true, true},
                      Emu2dCase{"n2k3_tiny", 2, 3, 40, 0, 1, 64, 256, 8, 0, true, true},
                      Emu2dCase{"n3k2_shard_tiny", 3, 2, 100, 1, 3, 64, 256, 32, 0, true, true},
                      Emu2dCase{"n3k2_no_split", 3, 2, 100, 0, 1, 1u << 22, 64ull << 20, 0, 4},
                      Emu2dCase{"n3k2_deep_split", 3, 2, 100, 0, 1, 1u << 22, 64ull << 20, 0, 5}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DeviceEmulation2dPaths, ProgressIsMonotoneAndCancelThrows) {
  const Emu2dCase c{"n3k2", 3, 2, 100, 0, 1, 1u << 12, 1u << 20, 4};
  DeviceWalkOptions w = emulation_walk_options(c.slots, c.arena, c.batch);
  w.batch_seconds = 0;  // report after every batch
  EnumerateOptions o = options_of(c);
  uint64_t last = 0, last_nodes = 0;
  int calls = 0;
  o.progress = [&](const Progress& p) {
    EXPECT_GT(p.items_done, last);
    EXPECT_LE(p.items_done, p.items_total);
    EXPECT_GE(p.tree_nodes, last_nodes);
    EXPECT_GT(p.machines_covered, 0);
    last = p.items_done;
    last_nodes = p.tree_nodes;
    return ++calls < 5;  // cancel at the fifth report
  };
  auto walker = [&](const Space& space, uint32_t cutoff, const std::vector<DeviceItem2d>& items,
                    const std::vector<uint8_t>& boxes, const DeviceProgressFn& p) {
    HostDeviceOps ops;
    return drive_device_walk_2d(ops, space, cutoff, items, boxes, w, p);
  };
  EXPECT_THROW(enumerate_2d_device(o, c.cutoff, walker, "cuda-emulated"), Cancelled);
  EXPECT_EQ(calls, 5);
}

// One 2D output into the histogram, packed and not: the packed key is pack_grid_output()'s, and an
// arena record parses back to the grid key the CPU accumulator would use (rows joined by '-',
// reversed when reflected, head cell replaced).
TEST(DeviceHistogram2d, GridOutputsKeyedAsOnTheCpu) {
  const int side = 16;
  std::vector<uint8_t> cells(side * side, 0);
  const Grid g{cells.data(), 4};
  RunState2d r{1, 2, 0, 8, 0, 2, 0, 0};  // a 3 x 9 box: 27 cells, too many for 51 bits at k=3
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
  histogram_grid_output(h, g, r, 2, false, 2, 5);
  histogram_grid_output(h, g, r, 2, true, 2, 7);
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
  histogram_grid_output(h, g, r, 0, false, 2, 1);
  EXPECT_EQ(error, unsigned(kArenaFull));
  error = 0;
  used = full;

  // A 2 x 3 box at k=2 packs: the key is pack_grid_output()'s, in the hash.
  const RunState2d small{0, 0, 0, 2, 0, 1, 0, 0};
  histogram_grid_output(h, g, small, 1, false, 1, 3);
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
  const ThreadMemoryLayout2d lay = thread_memory_layout_2d(10, 500);  // (5,2)_2D at T=500: side 512
  EXPECT_EQ(lay.shift, 9);
  EXPECT_EQ(lay.levels, 12);
  EXPECT_EQ(lay.grid_bytes, size_t(512) * 512);
  EXPECT_EQ(lay.grids_bytes, 12 * lay.grid_bytes);
  EXPECT_EQ(lay.frames_bytes % 16, 0u);
  EXPECT_GE(lay.frames_bytes, 12 * sizeof(WalkFrame2d));
  EXPECT_EQ(lay.per_thread, lay.grids_bytes + lay.frames_bytes + lay.grid_bytes);
  const ThreadMemoryLayout2d big = thread_memory_layout_2d(10, 4096);  // side 8192: 64 MiB a grid
  EXPECT_THROW(plan_launch(size_t(1) << 30, big.per_thread, 132, 7, 4096), Error);
  EXPECT_NO_THROW(plan_launch(size_t(140) << 30, lay.per_thread, 132, 7, 500));
}
