// CUDA backend against the CPU backend, count for count (labelled `gpu`; skipped without a device):
// the enumeration, and the sampler (the same seed and range give the CPU sampler's table).
#include <gtest/gtest.h>

#include <random>

#include "ctm/bench.hpp"
#include "ctm/enumerate.hpp"
#include "ctm/sample.hpp"
#include "cuda_backend.hpp"
#include "sample_backend.hpp"
#include "table_testing.hpp"

using namespace ctm;

namespace {

Table run(const Space& space, uint32_t cutoff, const std::string& backend, uint32_t shard = 0, uint32_t shards = 1) {
  return test_support::enumerate_table({space, cutoff, backend, 0, shard, shards, 0});
}

void expect_identical(const Table& cpu, const Table& gpu) {
  EXPECT_EQ(gpu.meta.backend, "cuda");
  test_support::expect_identical(cpu, gpu);
  EXPECT_EQ(gpu.meta.tree_nodes, cpu.meta.tree_nodes);
  EXPECT_EQ(gpu.meta.simulated_steps, cpu.meta.simulated_steps);
}

struct GpuCase {
  int n, k;
  uint32_t cutoff;
};

}  // namespace

class GpuEqualsCpu : public ::testing::TestWithParam<GpuCase> {};

TEST_P(GpuEqualsCpu, WholeSpace) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const auto c = GetParam();
  const Space space{c.n, c.k, 1};
  expect_identical(run(space, c.cutoff, "cpu"), run(space, c.cutoff, "cuda"));
}

INSTANTIATE_TEST_SUITE_P(Spaces, GpuEqualsCpu,
                         ::testing::Values(GpuCase{2, 2, 6}, GpuCase{3, 2, 21}, GpuCase{4, 2, 107}, GpuCase{5, 2, 500},
                                           GpuCase{2, 3, 500}, GpuCase{3, 3, 500}, GpuCase{2, 4, 500}),
                         [](const auto& info) {
                           return "n" + std::to_string(info.param.n) + "k" + std::to_string(info.param.k);
                         });

TEST(Gpu, RandomSlicesOfTheFrontier) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(20261128);
  for (int trial = 0; trial < 6; ++trial) {
    const uint32_t shards = 2 + rng() % 50;
    const uint32_t shard = rng() % shards;
    SCOPED_TRACE("shard " + std::to_string(shard) + "/" + std::to_string(shards));
    const Space space{trial % 2 ? 4 : 3, trial % 2 ? 2 : 3, 1};
    const uint32_t cutoff = trial % 2 ? 107 : 300;
    expect_identical(run(space, cutoff, "cpu", shard, shards), run(space, cutoff, "cuda", shard, shards));
  }
}

TEST(Gpu, BadDeviceIsAClearError) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  EnumerateOptions o;
  o.space = Space{2, 2, 1};
  o.backend = "cuda";
  o.device = 999;
  EXPECT_THROW(enumerate(o), Error);
}

TEST(GpuAbsent, CudaRequestWithoutDeviceIsAClearError) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  EnumerateOptions o;
  o.space = Space{2, 2, 1};
  o.backend = "cuda";
  EXPECT_THROW(enumerate(o), Error);
  o.backend = "auto";
  EXPECT_EQ(enumerate(o).meta.backend, "cpu");  // auto falls back to the CPU
}

#ifdef CTM_WITH_CUDA  // walk_on_device() exists only in CUDA builds
// The drain and retry paths on the device: tiny hash and arena (L8 of the CUDA review).
TEST(Gpu, TinyHashAndArenaStillExact) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  EnumerateOptions o;
  o.space = Space{3, 3, 1};
  o.cutoff = 300;
  o.backend = "cpu";
  const Table cpu = enumerate(o);
  detail::DeviceWalkOptions w;
  w.initial_slots = 1024;
  w.initial_arena_bytes = 256;
  w.attempts = 8;
  w.max_batch_items = w.min_batch_items = 512;
  int attempts = 0;
  const Table gpu = detail::enumerate_device(
      o, o.cutoff,
      [&](const Space& space, uint32_t cutoff, const std::vector<const WorkItem*>& items,
          const detail::DeviceProgressFn& p) {
        auto leaves = detail::walk_on_device(space, cutoff, items, w, p);
        attempts = leaves.attempts;
        return leaves;
      },
      "cuda");
  expect_identical(cpu, gpu);
  EXPECT_GT(attempts, 1);
}
#endif

TEST(Gpu, CancelFromProgressThrows) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  EnumerateOptions o;
  o.space = Space{4, 2, 1};
  o.cutoff = 107;
  o.backend = "cuda";
  o.progress_interval = 0;
  o.progress = [](const Progress&) { return false; };
  EXPECT_THROW(enumerate(o), Cancelled);
}

// --- 2D enumeration (kernels/enumerate.cu, walk_items_kernel<Grid2d>) ----------------------------

namespace {

void expect_identical_2d(const Table& cpu, const Table& gpu) {
  EXPECT_EQ(gpu.meta.backend, "cuda");
  test_support::expect_same_walk(gpu, cpu);
}

}  // namespace

class GpuEqualsCpu2d : public ::testing::TestWithParam<GpuCase> {};

TEST_P(GpuEqualsCpu2d, WholeSpace) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const auto c = GetParam();
  const Space space{c.n, c.k, 2};
  expect_identical_2d(run(space, c.cutoff, "cpu"), run(space, c.cutoff, "cuda"));
}

INSTANTIATE_TEST_SUITE_P(Spaces, GpuEqualsCpu2d,
                         ::testing::Values(GpuCase{2, 2, 40}, GpuCase{3, 2, 100}, GpuCase{3, 2, 500}, GpuCase{4, 2, 40},
                                           GpuCase{2, 3, 100}),
                         [](const auto& info) {
                           return "n" + std::to_string(info.param.n) + "k" + std::to_string(info.param.k) + "_t" +
                                  std::to_string(info.param.cutoff);
                         });

TEST(Gpu2d, ShardsOfTheFrontier) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const Space space{4, 2, 2};
  for (uint32_t shard : {0u, 3u, 10u}) {
    SCOPED_TRACE("shard " + std::to_string(shard) + "/11");
    expect_identical_2d(run(space, 60, "cpu", shard, 11), run(space, 60, "cuda", shard, 11));
  }
}

#ifdef CTM_WITH_CUDA  // walk_on_device() exists only in CUDA builds
// The drain and retry paths on the device: tiny hash and arena, small batches.
TEST(Gpu2d, TinyHashAndArenaStillExact) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  EnumerateOptions o;
  o.space = Space{2, 3, 2};
  o.cutoff = 100;
  o.backend = "cpu";
  const Table cpu = enumerate(o);
  detail::DeviceWalkOptions w;
  // 16 slots hold 8 keys: one batch of 64 items has more distinct outputs, so the first attempt must
  // overflow and be redone (with 1024 slots the H200 drained in time and never retried).
  w.initial_slots = 16;
  w.initial_arena_bytes = 256;
  w.attempts = 8;
  w.max_batch_items = w.min_batch_items = 64;
  int attempts = 0;
  const Table gpu = detail::enumerate_device(
      o, o.cutoff,
      [&](const Space& space, uint32_t cutoff, const std::vector<const WorkItem2d*>& items,
          const detail::DeviceProgressFn& p) {
        auto leaves = detail::walk_on_device(space, cutoff, items, w, p);
        attempts = leaves.attempts;
        return leaves;
      },
      "cuda");
  expect_identical_2d(cpu, gpu);
  EXPECT_GT(attempts, 1);
}
#endif

TEST(Gpu2d, AutoUsesTheDevice) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  EnumerateOptions o;
  o.space = Space{2, 2, 2};
  o.cutoff = 40;
  o.backend = "auto";
  EXPECT_EQ(enumerate(o).meta.backend, "cuda");
}

TEST(Gpu2d, CancelFromProgressThrows) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  EnumerateOptions o;
  o.space = Space{4, 2, 2};
  o.cutoff = 60;
  o.backend = "cuda";
  o.progress_interval = 0;
  o.progress = [](const Progress&) { return false; };
  EXPECT_THROW(enumerate(o), Cancelled);
}

TEST(Gpu2dAbsent, CudaRequestWithoutDeviceIsAClearError) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  EnumerateOptions o;
  o.space = Space{2, 2, 2};
  o.cutoff = 20;
  o.backend = "cuda";
  EXPECT_THROW(enumerate(o), Error);
  o.backend = "auto";
  EXPECT_EQ(enumerate(o).meta.backend, "cpu");
}

// --- Sampling -------------------------------------------------------------------------------------

namespace {

struct GpuSampleCase {
  const char* name;
  Space space;
  uint32_t cutoff;
  uint64_t seed, start, machines;
};

SampleOptions sample_options(const GpuSampleCase& c, const std::string& backend) {
  SampleOptions o;
  o.space = c.space;
  o.cutoff = c.cutoff;
  o.seed = c.seed;
  o.start = c.start;
  o.machines = c.machines;
  o.backend = backend;
  return o;
}

void expect_same_sample(const Table& cpu, const Table& gpu) {
  EXPECT_EQ(cpu.meta.backend, "cpu-sample");
  EXPECT_EQ(gpu.meta.backend, "cuda-sample");
  test_support::expect_identical(cpu, gpu);
  EXPECT_EQ(gpu.meta.simulated_steps, cpu.meta.simulated_steps);
  EXPECT_TRUE(gpu.meta.sampling.ranges == cpu.meta.sampling.ranges);
}

}  // namespace

class GpuSampleEqualsCpu : public ::testing::TestWithParam<GpuSampleCase> {};

TEST_P(GpuSampleEqualsCpu, SameSeedSameRange) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const auto c = GetParam();
  expect_same_sample(sample(sample_options(c, "cpu")), sample(sample_options(c, "cuda")));
}

// 1D (4,2), (2,3), (4,4), (4,5), (4,9) (long outputs in the arena), 2D (3,2) and (4,4) (long 2D outputs).
INSTANTIATE_TEST_SUITE_P(
    Spaces, GpuSampleEqualsCpu,
    ::testing::Values(GpuSampleCase{"n4k2", Space{4, 2, 1}, 107, 2026, 1000, 1000000},
                      GpuSampleCase{"n2k3", Space{2, 3, 1}, 500, 7, 0, 1000000},
                      GpuSampleCase{"n4k4", Space{4, 4, 1}, 2000, 2026, 123, 100000},
                      GpuSampleCase{"n4k5", Space{4, 5, 1}, 300, 11, 1000, 200000},
                      GpuSampleCase{"n4k9", Space{4, 9, 1}, 300, 7, 0, 200000},
                      GpuSampleCase{"n3k2_2d", Space{3, 2, 2}, 100, 5, 0, 500000},
                      GpuSampleCase{"n4k4_2d", Space{4, 4, 2}, 1000, 2, 0, 50000}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(GpuSample, DisjointRangesMergeToTheSingleRun) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const GpuSampleCase whole{"whole", Space{4, 4, 1}, 2000, 99, 5000, 300000};
  GpuSampleCase a = whole, b = whole;
  a.machines = 123457;
  b.start = whole.start + a.machines;
  b.machines = whole.machines - a.machines;
  Table merged = sample(sample_options(a, "cuda"));
  merged.merge(sample(sample_options(b, "cuda")));
  const Table single = sample(sample_options(whole, "cuda"));
  test_support::expect_identical(single, merged);
  EXPECT_EQ(merged.meta.simulated_steps, single.meta.simulated_steps);
  EXPECT_TRUE(merged.meta.sampling.ranges == single.meta.sampling.ranges);
}

#ifdef CTM_WITH_CUDA  // sample_on_device() exists only in CUDA builds
// The drain and retry paths of the sampler on the device: tiny hash and arena, short batches.
TEST(GpuSample, TinyHashAndArenaStillExact) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const GpuSampleCase c{"n4k9", Space{4, 9, 1}, 300, 7, 0, 100000};
  const SampleOptions o = sample_options(c, "cuda");
  detail::DeviceWalkOptions w;
  w.initial_slots = 1024;
  w.initial_arena_bytes = 256;
  w.attempts = 8;
  w.max_batch_items = w.min_batch_items = 20000;
  int attempts = 0;
  uint64_t arena_drains = 0;
  const Table gpu = detail::sample_device(
      o, c.cutoff,
      [&](const SampleConfig& cfg, uint64_t start, uint64_t machines, const detail::DeviceProgressFn& p) {
        auto leaves = detail::sample_on_device(cfg, start, machines, w, p);
        attempts = leaves.attempts;
        arena_drains = leaves.arena_drains;
        return leaves;
      },
      "cuda-sample");
  expect_same_sample(sample(sample_options(c, "cpu")), gpu);
  EXPECT_GT(attempts, 1);
  EXPECT_GT(arena_drains, 1u);
}
#endif

TEST(GpuSample, CancelFromProgressThrows) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  SampleOptions o = sample_options(GpuSampleCase{"n4k2", Space{4, 2, 1}, 107, 1, 0, 10000000}, "cuda");
  o.progress_interval = 0;
  o.progress = [](const Progress&) { return false; };
  EXPECT_THROW(sample(o), Cancelled);
}

TEST(GpuSample, TooManyEntriesForTheDeviceIsAClearError) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  SampleOptions o = sample_options(GpuSampleCase{"n16k16", Space{16, 16, 1}, 20, 1, 0, 100}, "cuda");
  EXPECT_THROW(sample(o), Error);
  o.backend = "auto";
  EXPECT_EQ(sample(o).meta.backend, "cpu-sample");  // auto samples it on the CPU
}

TEST(GpuSampleAbsent, CudaRequestWithoutDeviceIsAClearError) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  SampleOptions o = sample_options(GpuSampleCase{"n3k2", Space{3, 2, 1}, 21, 1, 0, 100}, "cuda");
  EXPECT_THROW(sample(o), Error);
  o.backend = "auto";
  EXPECT_EQ(sample(o).meta.backend, "cpu-sample");  // auto falls back to the CPU
}

// `ctm bench` on every device: each quick workload's device table is the CPU's (same fingerprint).
TEST(GpuBench, QuickSuiteMatchesTheCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  for (const BenchWorkload& w : bench_suite("quick")) {
    SCOPED_TRACE(w.name);
    const BenchRun cpu = run_bench(w, {"cpu", 0}, 0);
    for (const BenchTarget& t : bench_targets("cuda")) {
      if (!t.runs(w)) continue;  // the wavefront design: 1D enumerations only
      const BenchRun gpu = run_bench(w, t, 0);
      EXPECT_EQ(gpu.digest, cpu.digest) << t.label();
      EXPECT_EQ(gpu.steps, cpu.steps) << t.label();
    }
  }
}
