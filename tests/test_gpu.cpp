// CUDA backend against the CPU backend, count for count (labelled `gpu`; skipped without a device).
#include <gtest/gtest.h>

#include <random>

#include "ctm/enumerate.hpp"
#include "cuda_backend.hpp"
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
