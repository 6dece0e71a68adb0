// The CUDA backend's device code, run on the CPU, for 1D and 2D spaces: HostDeviceOps
// (host_device_ops.hpp) stands in for the GPU (host memory with the device layout, filled with
// garbage; a "launch" runs walk_items<Geo>(), the kernel's whole body, on several std::threads), and
// drive_device_walk<Geo>() is the same batching, draining and retry code the GPU launcher runs.
// Tables must equal the CPU backend's count for count (outputs, halting, proved, cut off, halting
// times, tree nodes, simulated steps, items), including with tiny hash and arena sizes that force the
// drain and retry paths. Not covered: real GPU concurrency, warp divergence, memory ordering on the
// device, Thrust, and the CUDA API calls themselves. 2D-only checks: test_device_emulation_2d.cpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "core/device_walk.hpp"
#include "ctm/enumerate.hpp"
#include "cuda_backend.hpp"
#include "device_driver.hpp"
#include "host_device_ops.hpp"
#include "table_testing.hpp"

using namespace ctm;
using namespace ctm::detail;

namespace {

struct EmuCase {
  const char* name;
  int dims, n, k;
  uint32_t cutoff;
  uint32_t shard = 0, shards = 1;
  uint32_t slots = 1u << 22;
  uint64_t arena = 64ull << 20;
  uint32_t batch = 0;  // max items per launch, 0 = default
  int device_depth = 0;
  bool expect_retry = false, expect_hash_drains = false, expect_arena_drains = false;  // the paths must run
};

EnumerateOptions options_of(const EmuCase& c) {
  EnumerateOptions o;
  o.space = Space{c.n, c.k, c.dims};
  o.cutoff = c.cutoff;
  o.shard_index = c.shard;
  o.shard_count = c.shards;
  o.device_frontier_depth = c.device_depth;
  return o;
}

// The device walk of geometry Geo over HostDeviceOps, with w's driver options.
template <class Geo>
DeviceWalkerOf<Geo> emulated_walker(const DeviceWalkOptions& w, EmulatedRun* run = nullptr) {
  return [w, run](const Space& space, uint32_t cutoff, const std::vector<const WorkItemOf<Geo>*>& items,
                  const DeviceProgressFn& p) {
    HostDeviceOps ops;
    DeviceLeaves leaves = drive_device_walk<Geo>(ops, space, cutoff, items, w, p);
    if (run) {
      run->record(ops, leaves);
      run->items = items.size();
    }
    return leaves;
  };
}

Table enumerate_emulated(const EmuCase& c, const DeviceWalkOptions& w, EnumerateOptions o, EmulatedRun* run = nullptr) {
  if (c.dims == 2) return enumerate_device(o, c.cutoff, emulated_walker<Grid2d>(w, run), "cuda-emulated");
  return enumerate_device(o, c.cutoff, emulated_walker<Tape1d>(w, run), "cuda-emulated");
}

EmulatedRun run_emulated(const EmuCase& c) {
  EmulatedRun run;
  run.table = enumerate_emulated(c, emulation_walk_options(c.slots, c.arena, c.batch), options_of(c), &run);
  return run;
}

void expect_identical(const Table& cpu, const Table& emu) {
  test_support::expect_same_walk(emu, cpu);
  EXPECT_EQ(emu.meta.work_items_total, cpu.meta.work_items_total);
}

}  // namespace

class DeviceEmulation : public ::testing::TestWithParam<EmuCase> {};

TEST_P(DeviceEmulation, EqualsCpuBackend) {
  const EmuCase c = GetParam();
  EnumerateOptions cpu = options_of(c);
  cpu.backend = "cpu";
  const Table expected = enumerate(cpu);
  const EmulatedRun got = run_emulated(c);
  EXPECT_EQ(got.table.meta.backend, "cuda-emulated");
  expect_identical(expected, got.table);
  EXPECT_GE(got.launches, 1);
  EXPECT_GE(got.attempts, 1);
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
  if (c.expect_arena_drains) {
    EXPECT_GT(got.arena_drains, 1u) << "the arena was drained at most once";
  }
}

// Tiny tables: (4,2)/107 and (3,3)/60 have hundreds of distinct outputs, so 64 or 256 slots
// overflow (kHashFull, retry at 4x) and the table is drained between batches once a quarter full.
// These small spaces have (almost) no output too long to pack, so the arena's record format and
// overflow are checked directly below (DeviceHistogram.ArenaRecordsAndOverflow; 2D:
// DeviceHistogram2d.GridOutputsKeyedAsOnTheCpu). 2D: the largest halting box of (4,2)_2D at T=30
// has 36 cells, of (2,3)_2D at T=100 16 cells (51 bits hold 51 and 25); 64 hash slots overflow.
INSTANTIATE_TEST_SUITE_P(
    Cases, DeviceEmulation,
    ::testing::Values(EmuCase{"n2k2", 1, 2, 2, 6}, EmuCase{"n3k2", 1, 3, 2, 21}, EmuCase{"n4k2", 1, 4, 2, 107},
                      EmuCase{"n2k3", 1, 2, 3, 500}, EmuCase{"n2k4", 1, 2, 4, 60},
                      EmuCase{"n4k2_tiny_hash", 1, 4, 2, 107, 0, 1, 64, 1024, 16, 0, true, true},
                      EmuCase{"n4k2_small_batches", 1, 4, 2, 107, 0, 1, 1u << 10, 1u << 20, 50, 0, false, true},
                      EmuCase{"n2k3_tiny_arena", 1, 2, 3, 500, 0, 1, 1u << 12, 64, 8},
                      EmuCase{"n3k3_shard_tiny", 1, 3, 3, 60, 1, 7, 1u << 8, 256, 400, 0, true, true},
                      EmuCase{"n4k2_shard", 1, 4, 2, 107, 2, 7},
                      EmuCase{"n4k2_no_split", 1, 4, 2, 107, 0, 1, 1u << 22, 64ull << 20, 0, 3},
                      EmuCase{"n4k2_deep_split", 1, 4, 2, 107, 0, 1, 1u << 22, 64ull << 20, 0, 7},
                      EmuCase{"grid_n2k2_t40", 2, 2, 2, 40}, EmuCase{"grid_n3k2_t40", 2, 3, 2, 40},
                      EmuCase{"grid_n3k2_t100", 2, 3, 2, 100}, EmuCase{"grid_n4k2_t30", 2, 4, 2, 30},
                      EmuCase{"grid_n2k3_t40", 2, 2, 3, 40},
                      EmuCase{"grid_n3k2_shard", 2, 3, 2, 100, 2, 5},
                      EmuCase{"grid_n4k2_shard", 2, 4, 2, 30, 5, 11},
                      EmuCase{"grid_n3k2_tiny_hash", 2, 3, 2, 100, 0, 1, 64, 1u << 20, 16, 0, true, true},
                      EmuCase{"grid_n2k3_tiny", 2, 2, 3, 40, 0, 1, 64, 256, 8, 0, true, true},
                      EmuCase{"grid_n3k2_shard_tiny", 2, 3, 2, 100, 1, 3, 64, 256, 32, 0, true, true},
                      EmuCase{"grid_n3k2_no_split", 2, 3, 2, 100, 0, 1, 1u << 22, 64ull << 20, 0, 4},
                      EmuCase{"grid_n3k2_deep_split", 2, 3, 2, 100, 0, 1, 1u << 22, 64ull << 20, 0, 5}),
    [](const auto& info) { return std::string(info.param.name); });

// The retry and drain paths must actually run in the tiny cases above, or they prove nothing.
TEST(DeviceEmulationPaths, TinyBuffersDrainAndRetry) {
  const EmuCase c{"n4k2_tiny_hash", 1, 4, 2, 107, 0, 1, 64, 1024, 16};
  EnumerateOptions cpu = options_of(c);
  cpu.backend = "cpu";
  const Table expected = enumerate(cpu);
  const EmulatedRun got = run_emulated(c);
  expect_identical(expected, got.table);
  EXPECT_GT(got.hash_drains, 1);  // drained between batches, not only at the end
  EXPECT_GT(got.attempts, 1);     // the first attempt overflowed and was redone larger
}

// Progress after every batch, monotone, with the figures of the CPU-split and device leaves (their
// images included); cancel at the fifth report. 1D and 2D.
TEST(DeviceEmulationPaths, ProgressIsMonotoneAndCancelThrows) {
  for (const EmuCase& c : {EmuCase{"n4k2", 1, 4, 2, 107, 0, 1, 64, 1024, 4},
                           EmuCase{"grid_n3k2", 2, 3, 2, 100, 0, 1, 1u << 12, 1u << 20, 4}}) {
    SCOPED_TRACE(c.name);
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
    EXPECT_THROW(enumerate_emulated(c, w, o), Cancelled);
    EXPECT_EQ(calls, 5);
  }
}

TEST(DeviceEmulationPaths, OverflowThatNeverFitsIsAClearError) {
  EmuCase c{"n2k3", 1, 2, 3, 500};
  DeviceWalkOptions w;
  w.initial_slots = 2;  // 2 then 8 slots, for batches of 1000 items with far more distinct outputs
  w.attempts = 2;
  w.min_batch_items = w.max_batch_items = 1000;
  try {
    enumerate_emulated(c, w, options_of(c));
    FAIL() << "expected an overflow error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("use --backend cpu"), std::string::npos) << e.what();
  }
}

// The 128-bit add with carry, from many threads at once: 8 threads x 1000 adds of 2^64 - 1 and of
// 2^64 + 3 must give the exact 128-bit sums.
TEST(DeviceHistogram, AtomicAddU128CarriesExactly) {
  hd::u64 words[4] = {0, 0, 0, 0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        hd::atomic_add_u128(words, static_cast<count_t>(~0ull));
        hd::atomic_add_u128(words + 2, (static_cast<count_t>(1) << 64) + 3);
      }
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(to_string(u128_at(words)), to_string(static_cast<count_t>(8000) * static_cast<count_t>(~0ull)));
  EXPECT_EQ(to_string(u128_at(words + 2)), to_string(static_cast<count_t>(8000) * ((static_cast<count_t>(1) << 64) + 3)));
}

// The slot function spans the whole table at every size (the old one covered only 2^24 slots).
TEST(DeviceHistogram, HashSlotsSpanTheTable) {
  for (uint32_t log2 : {1u, 4u, 22u, 26u, 28u, 30u}) {
    const uint32_t slots = 1u << log2;
    EXPECT_EQ(hash_shift_for(slots), 64u - log2);
    uint32_t top = 0;
    for (hd::u64 key = 1; key < 200000; ++key) top = std::max(top, hash_slot(key * 0x10001ull, hash_shift_for(slots)));
    EXPECT_LT(top, slots);
    EXPECT_GE(top, slots - 1 - slots / 16) << "slots 2^" << log2;  // keys reach the last sixteenth
  }
}

// The load cap: the key past slots/2 sets kHashFull; keys already present still count.
TEST(DeviceHistogram, LoadCapSetsHashFull) {
  std::vector<hd::u64> keys(16, 0), counts(32, 0);
  unsigned used = 0, error = 0;
  DeviceHistogram h{};
  h.keys = keys.data();
  h.counts = counts.data();
  h.mask = 15;
  h.shift = hash_shift_for(16);
  h.max_keys = 8;
  h.keys_used = &used;
  h.error = &error;
  for (hd::u64 key = 1; key <= 8; ++key) hash_add(h, key << 58, 1);
  for (hd::u64 key = 1; key <= 8; ++key) hash_add(h, key << 58, 2);
  EXPECT_EQ(error, 0u);
  EXPECT_EQ(used, 8u);
  hash_add(h, hd::u64(9) << 58, 1);
  EXPECT_EQ(error, unsigned(kHashFull));
  count_t total = 0;
  for_each_hash_entry(keys.data(), counts.data(), 16, [&](uint64_t, count_t c) { total += c; });
  EXPECT_EQ(to_string(total), "25");
}

// Long outputs: records round-trip through parse_arena() (head cell replaced, 128-bit weights
// summed per output), and a record past the capacity sets kArenaFull instead of being written.
TEST(DeviceHistogram, ArenaRecordsAndOverflow) {
  std::vector<hd::u64> arena_words(16);  // 128 bytes: two records of a 40-cell output (24 + 40 bytes)
  hd::u64 used = 0;
  unsigned error = 0;
  DeviceHistogram h{};
  h.arena = reinterpret_cast<uint8_t*>(arena_words.data());
  h.arena_used = &used;
  h.arena_capacity = 128;
  h.error = &error;
  std::vector<uint8_t> cells(40);
  for (int i = 0; i < 40; ++i) cells[i] = static_cast<uint8_t>(i % 3);
  const count_t big = (static_cast<count_t>(1) << 64) + 5;
  arena_add(h, cells.data(), 40, 7, 2, big);
  arena_add(h, cells.data(), 40, 7, 2, 1);
  EXPECT_EQ(error, 0u);
  EXPECT_EQ(used, 128u);
  arena_add(h, cells.data(), 40, 7, 0, 1);
  EXPECT_EQ(error, unsigned(kArenaFull));
  std::unordered_map<std::string, count_t> out;
  parse_arena(h.arena, 128, out);
  ASSERT_EQ(out.size(), 1u);
  std::string expected;
  for (int i = 0; i < 40; ++i) expected += symbol_char(i == 7 ? 2 : i % 3);
  EXPECT_EQ(out.begin()->first, expected);
  EXPECT_EQ(to_string(out.begin()->second), to_string(big + 1));
}

TEST(DeviceLaunchPlan, SizesFromMemoryAndOccupancy) {
  // Plenty of memory: all resident blocks of 128.
  LaunchPlan p = plan_launch(size_t(100) << 30, 14000, 132, 7, 500);
  EXPECT_EQ(p.block, 128);
  EXPECT_EQ(p.blocks, 132 * 7);
  // Memory for 1000 threads: blocks of 128, 7 of them.
  p = plan_launch(size_t(2000) * 30'000'000, 30'000'000, 132, 7, 1000000);
  EXPECT_EQ(p.block, 128);
  EXPECT_EQ(p.blocks, 7);
  // Memory for 100 threads: one block of 96.
  p = plan_launch(size_t(200) * 30'000'000, 30'000'000, 132, 7, 1000000);
  EXPECT_EQ(p.block, 96);
  EXPECT_EQ(p.blocks, 1);
  // Not even one warp: a clear error.
  EXPECT_THROW(plan_launch(size_t(60) * 30'000'000, 30'000'000, 132, 7, 1000000), Error);
}
