// The wavefront GPU design (--gpu-design wavefront: host/engine/wavefront.cpp's level loop over
// kernels/wavefront.cu's launches) against the CPU walk, count for count (labelled `gpu`; skipped
// without a device). The same driver and kernel bodies run on every machine in
// tests/test_wavefront.cpp (emulated device); these check the CUDA launches, CUB scan and memory.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "ctm/bench.hpp"
#include "ctm/enumerate.hpp"
#include "cuda_backend.hpp"
#include "table_testing.hpp"
#ifdef CTM_WITH_CUDA
#include "engine/wavefront.hpp"
#endif

using namespace ctm;

namespace {

struct WaveGpuCase {
  int n, k;
  uint32_t cutoff;
  uint32_t shard = 0, shards = 1;
};

EnumerateOptions options(const WaveGpuCase& c, const std::string& backend, const std::string& design) {
  EnumerateOptions o;
  o.space = Space{c.n, c.k, 1};
  o.cutoff = c.cutoff;
  o.backend = backend;
  o.gpu_design = design;
  o.shard_index = c.shard;
  o.shard_count = c.shards;
  return o;
}

void expect_wavefront_equals_cpu(const WaveGpuCase& c) {
  SCOPED_TRACE("(" + std::to_string(c.n) + "," + std::to_string(c.k) + ") T=" + std::to_string(c.cutoff) + " shard " +
               std::to_string(c.shard) + "/" + std::to_string(c.shards));
  const Table cpu = enumerate(options(c, "cpu", "walk"));
  const Table gpu = enumerate(options(c, "cuda", "wavefront"));
  EXPECT_EQ(gpu.meta.backend, "cuda-wavefront");
  test_support::expect_same_walk(gpu, cpu);  // every count, the proved / cut-off split, nodes, steps, items
}

}  // namespace

class GpuWavefrontEqualsCpu : public ::testing::TestWithParam<WaveGpuCase> {};

TEST_P(GpuWavefrontEqualsCpu, WholeSpace) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  expect_wavefront_equals_cpu(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Spaces, GpuWavefrontEqualsCpu,
                         ::testing::Values(WaveGpuCase{2, 2, 6}, WaveGpuCase{3, 2, 21}, WaveGpuCase{4, 2, 107},
                                           WaveGpuCase{2, 3, 500}, WaveGpuCase{2, 4, 500}, WaveGpuCase{5, 2, 500}),
                         [](const auto& info) {
                           return "n" + std::to_string(info.param.n) + "k" + std::to_string(info.param.k);
                         });

TEST(GpuWavefront, ShardsOfD52) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  expect_wavefront_equals_cpu({5, 2, 500, 0, 2});
  expect_wavefront_equals_cpu({5, 2, 500, 1, 2});
}

#ifdef CTM_WITH_CUDA  // wavefront_on_device() exists only in CUDA builds
// The drain and retry paths on the device: a tiny hash and arena (as the emulation test: the first
// attempt overflows, (3,3)'s 33-cell outputs go through the arena), small launches.
TEST(GpuWavefront, TinyHashAndArenaStillExact) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const WaveGpuCase c{3, 3, 300, 1, 7};
  const Table cpu = enumerate(options(c, "cpu", "walk"));
  detail::DeviceWalkOptions w;
  w.initial_slots = 1024;
  w.initial_arena_bytes = 256;
  w.attempts = 8;
  int attempts = 0;
  uint64_t arena_drains = 0;
  detail::WavefrontOptions o;
  o.space = Space{c.n, c.k, 1};
  o.cutoff = c.cutoff;
  o.shard_index = c.shard;
  o.shard_count = c.shards;
  o.launch_nodes = 2000;
  o.device = [&](const detail::WaveDeviceConfig& cfg, const std::function<void(detail::WaveExecutor&)>& levels) {
    detail::DeviceLeaves leaves = detail::wavefront_on_device(cfg, w, levels);
    attempts = leaves.attempts;
    arena_drains = leaves.arena_drains;
    return leaves;
  };
  const Table gpu = detail::enumerate_wavefront(o).table;
  test_support::expect_identical(cpu, gpu);
  EXPECT_EQ(gpu.meta.simulated_steps, cpu.meta.simulated_steps);
  EXPECT_EQ(gpu.meta.tree_nodes, cpu.meta.tree_nodes);
  EXPECT_GT(attempts, 1);
  EXPECT_GT(arena_drains, 0u);
}
#endif

TEST(GpuWavefront, TwoDimensionalSpacesAreRefused) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  EnumerateOptions o;
  o.space = Space{2, 2, 2};
  o.cutoff = 20;
  o.backend = "cuda";
  o.gpu_design = "wavefront";
  EXPECT_THROW(enumerate(o), Error);
  o.backend = "auto";  // auto: the device run failed, the CPU takes over (with a warning)
  std::string warned;
  o.warn = [&](const std::string& m) { warned = m; };
  EXPECT_EQ(enumerate(o).meta.backend, "cpu");
  EXPECT_NE(warned.find("1D spaces only"), std::string::npos) << warned;
}

TEST(GpuWavefront, ProgressAndCancel) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  EnumerateOptions o = options({4, 2, 107}, "cuda", "wavefront");
  o.progress_interval = 0;
  Progress last;
  o.progress = [&](const Progress& p) {
    last = p;
    return true;
  };
  const Table t = enumerate(o);
  EXPECT_EQ(last.tree_nodes, t.meta.tree_nodes);  // reported after the last launch
  EXPECT_EQ(to_string(last.machines_covered), to_string(t.machines));
  o.progress = [](const Progress&) { return false; };
  EXPECT_THROW(enumerate(o), Cancelled);
}

TEST(GpuWavefront, BenchRowMatchesTheCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const BenchWorkload w = bench_suite("quick")[0];  // D(4,2)
  const BenchRun cpu = run_bench(w, {"cpu", 0}, 0);
  for (const BenchTarget& t : bench_targets("cuda-wavefront")) {
    ASSERT_TRUE(t.runs(w));
    const BenchRun gpu = run_bench(w, t, 0);
    EXPECT_EQ(gpu.digest, cpu.digest) << t.label();
    EXPECT_EQ(gpu.steps, cpu.steps) << t.label();
  }
}

// Without a device: the design is checked before anything runs, and auto still falls back.
TEST(GpuWavefrontAbsent, BadDesignAndNoDeviceAreClearErrors) {
  EnumerateOptions o;
  o.space = Space{2, 2, 1};
  o.gpu_design = "breadth";
  EXPECT_THROW(enumerate(o), Error);
  if (cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  o.gpu_design = "wavefront";
  o.backend = "cuda";
  EXPECT_THROW(enumerate(o), Error);
  o.backend = "auto";
  EXPECT_EQ(enumerate(o).meta.backend, "cpu");
}
