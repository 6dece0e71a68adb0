// The CUDA sampler's device code, run on the CPU: sample_items() (the kernel's whole body) on host
// threads through the same drive_device_sample() the GPU launcher runs (host_device_ops.hpp), keyed
// and decoded like the GPU's. Tables must equal the CPU sampler's for the same seed and range, count
// for count, including with tiny hash and arena sizes that force drains and retries. Not covered:
// real GPU concurrency, the weak device memory model, Thrust and the CUDA calls (tests/test_gpu.cpp).
#include <gtest/gtest.h>

#include "ctm/sample.hpp"
#include "device_driver.hpp"
#include "host_device_ops.hpp"
#include "sample_backend.hpp"
#include "table_testing.hpp"

using namespace ctm;
using namespace ctm::detail;

namespace {

struct SampleCase {
  const char* name;
  Space space;
  uint32_t cutoff;
  uint64_t seed, start, machines;
  uint32_t slots = 1u << 22;
  uint64_t arena = 64ull << 20;
  uint32_t batch = 0;  // machines per launch (min = max), 0 = default
  bool expect_retry = false, expect_hash_drains = false, expect_arena = false;
};

SampleOptions options_of(const SampleCase& c) {
  SampleOptions o;
  o.space = c.space;
  o.cutoff = c.cutoff;
  o.seed = c.seed;
  o.start = c.start;
  o.machines = c.machines;
  o.backend = "cpu";
  o.threads = 2;
  return o;
}

EmulatedRun run_emulated(const SampleCase& c, const SampleOptions& o) {
  EmulatedRun run;
  DeviceWalkOptions w = emulation_walk_options(c.slots, c.arena, c.batch);
  if (!c.batch) w.max_batch_items = 1u << 26;  // the sampler's batches count machines, not items
  run.table = sample_device(
      o, c.cutoff,
      [&](const SampleConfig& cfg, uint64_t start, uint64_t machines, const DeviceProgressFn& p) {
        HostDeviceOps ops;
        DeviceLeaves leaves = drive_device_sample(ops, cfg, start, machines, w, p);
        run.record(ops, leaves);
        return leaves;
      },
      "cuda-sample-emulated");
  return run;
}

void expect_identical(const Table& cpu, const Table& emu) {
  test_support::expect_identical(cpu, emu);
  EXPECT_EQ(emu.meta.simulated_steps, cpu.meta.simulated_steps);
  EXPECT_EQ(emu.meta.work_items_done, cpu.meta.work_items_done);
  EXPECT_EQ(emu.meta.cutoff, cpu.meta.cutoff);
  EXPECT_EQ(emu.meta.sampling.seed, cpu.meta.sampling.seed);
  ASSERT_EQ(emu.meta.sampling.ranges.size(), 1u);
  EXPECT_EQ(emu.meta.sampling.ranges[0], cpu.meta.sampling.ranges[0]);
}

// Whether some output does not fit a packed key (58 bits of cells in 1D, 51 in 2D).
bool has_long_output(const Table& t, int bits, int dims) {
  for (const auto& [s, c] : t.counts) {
    size_t cells = 0;
    for (char ch : s) cells += ch != '-';
    if (static_cast<int>(cells) * bits > (dims == 2 ? 51 : 58)) return true;
  }
  return false;
}

}  // namespace

class DeviceSampleEmulation : public ::testing::TestWithParam<SampleCase> {};

TEST_P(DeviceSampleEmulation, EqualsCpuSampler) {
  const SampleCase c = GetParam();
  const SampleOptions o = options_of(c);
  const Table expected = sample(o);
  ASSERT_EQ(expected.meta.backend, "cpu-sample");
  ASSERT_GT(expected.halting, 0);
  const EmulatedRun got = run_emulated(c, o);
  EXPECT_EQ(got.table.meta.backend, "cuda-sample-emulated");
  expect_identical(expected, got.table);
  EXPECT_NO_THROW(got.table.check_consistency());
  EXPECT_GE(got.launches, 1);
  if (c.batch) {
    EXPECT_LE(got.max_batch, c.batch);
  }
  if (c.expect_retry) {
    EXPECT_GT(got.attempts, 1) << "no attempt overflowed";
  }
  if (c.expect_hash_drains) {
    EXPECT_GT(got.hash_drains, 1) << "the hash was drained only at the end";
  }
  if (c.expect_arena) {
    EXPECT_TRUE(has_long_output(expected, bits_per_symbol(c.space.symbols), c.space.dims)) << "no output too long to pack";
    EXPECT_GE(got.arena_drains, 1u) << "the arena was never used";
  }
}

// (4,2), (2,3), (4,4), (4,5) and (4,9) (20 and 36 entries: beyond the tree engine, within the
// device's 64) in 1D; (3,2), (4,2) and (4,4) in 2D. (4,9) at T=300 and (4,4)_2D at T=1000 have
// outputs too long to pack (arena records, 2D ones with their row width). Tiny hashes (64 slots) and arenas (64 bytes)
// with short batches force drains and retries.
INSTANTIATE_TEST_SUITE_P(
    Cases, DeviceSampleEmulation,
    ::testing::Values(
        SampleCase{"n4k2", Space{4, 2, 1}, 107, 2026, 1000, 20000},
        SampleCase{"n2k3", Space{2, 3, 1}, 500, 7, 0, 20000},
        SampleCase{"n4k4", Space{4, 4, 1}, 2000, 2026, 123, 3000},
        SampleCase{"n4k9_long", Space{4, 9, 1}, 300, 7, 0, 5000, 1u << 22, 64ull << 20, 0, false, false, true},
        SampleCase{"n4k5", Space{4, 5, 1}, 300, 11, 1000, 2000},
        SampleCase{"n3k2_2d", Space{3, 2, 2}, 100, 5, 0, 20000},
        SampleCase{"n4k2_2d", Space{4, 2, 2}, 500, 5, 77, 5000},
        SampleCase{"n4k4_2d_long", Space{4, 4, 2}, 1000, 2, 0, 5000, 1u << 22, 64ull << 20, 0, false, false, true},
        SampleCase{"n4k2_tiny", Space{4, 2, 1}, 107, 2026, 1000, 20000, 32, 64, 500, true, true},
        SampleCase{"n4k9_tiny", Space{4, 9, 1}, 300, 7, 0, 5000, 64, 64, 200, true, true, true},
        SampleCase{"n4k4_2d_tiny", Space{4, 4, 2}, 1000, 2, 0, 5000, 64, 64, 300, true, true, true}),
    [](const auto& info) { return std::string(info.param.name); });

// Two emulated runs over disjoint ranges merge to the single run over their union.
TEST(DeviceSampleEmulationPaths, DisjointRangesMergeToTheWhole) {
  const SampleCase whole{"whole", Space{3, 3, 1}, 300, 42, 500, 6000};
  SampleCase a = whole, b = whole;
  a.machines = 2500;
  b.start = whole.start + a.machines;
  b.machines = whole.machines - a.machines;
  Table merged = run_emulated(a, options_of(a)).table;
  merged.merge(run_emulated(b, options_of(b)).table);
  const Table single = run_emulated(whole, options_of(whole)).table;
  test_support::expect_identical(single, merged);
  EXPECT_EQ(merged.meta.simulated_steps, single.meta.simulated_steps);
  test_support::expect_identical(sample(options_of(whole)), merged);
}

TEST(DeviceSampleEmulationPaths, ProgressIsMonotoneAndCancelThrows) {
  SampleCase c{"n4k2", Space{4, 2, 1}, 107, 3, 0, 10000, 1u << 12, 1u << 20, 500};
  SampleOptions o = options_of(c);
  DeviceWalkOptions w;
  w.min_batch_items = w.max_batch_items = c.batch;
  w.batch_seconds = 0;  // report after every batch
  uint64_t last = 0;
  int calls = 0;
  o.progress = [&](const Progress& p) {
    EXPECT_GT(p.items_done, last);
    EXPECT_EQ(p.items_done % c.batch, 0u);
    EXPECT_EQ(p.items_total, c.machines);
    EXPECT_GT(p.machines_covered, 0);
    last = p.items_done;
    return ++calls < 5;  // cancel at the fifth report
  };
  auto sampler = [&](const SampleConfig& cfg, uint64_t start, uint64_t machines, const DeviceProgressFn& p) {
    HostDeviceOps ops;
    return drive_device_sample(ops, cfg, start, machines, w, p);
  };
  try {
    sample_device(o, c.cutoff, sampler, "cuda-sample-emulated");
    FAIL() << "expected a cancel";
  } catch (const Cancelled& e) {
    EXPECT_NE(std::string(e.what()).find("sampling cancelled after 2500 of 10000 machines"), std::string::npos) << e.what();
  }
  EXPECT_EQ(calls, 5);
}

// The device keeps a machine in 64 entries: a larger space is a clear error, not a wrong table.
TEST(DeviceSampleEmulationPaths, TooManyEntriesIsAClearError) {
  const SampleConfig cfg = make_sample_config(9, 8, 1, 100, 1);
  HostDeviceOps ops;
  EXPECT_THROW(drive_device_sample(ops, cfg, 0, 10, DeviceWalkOptions{}, nullptr), Error);
}

// The shared per-machine code: the CPU sampler's draws are those of sampled_machine() (the entries'
// option numbering of decode_entry_option), for 1D and 2D.
TEST(DeviceSampleEmulationPaths, DrawsMatchSampledMachine) {
  for (const Space space : {Space{4, 9, 1}, Space{3, 2, 2}, Space{16, 16, 1}}) {
    const SampleConfig cfg = make_sample_config(space.states, space.symbols, space.dims, 10, 77);
    SampledMachine<kMaxSampledEntries> m;
    for (uint64_t i = 0; i < 50; ++i) {
      draw_sampled_machine(cfg, i, m);
      const Machine ref = sampled_machine(space, 77, i);
      for (int e = 0; e < space.entries(); ++e) {
        ASSERT_EQ(m.entry[e].halt != 0, ref.entries[e].halt);
        ASSERT_EQ(m.entry[e].write, ref.entries[e].write);
        if (!ref.entries[e].halt) {
          ASSERT_EQ(m.entry[e].move, ref.entries[e].move);
          ASSERT_EQ(m.entry[e].next, ref.entries[e].next);
        }
      }
    }
  }
}
