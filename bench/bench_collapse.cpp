// Replicate-generations per second of the collapse loop: Wright-Fisher (N = 1000, K = 100; counts by
// conditional binomials) and the 1-D Gaussian refit (M = 100; each batch's sufficient statistics drawn
// directly), cheap metrics only, as bench/numpy_collapse.py does in NumPy; and the symbolic learner's
// search time per generation on the (2,2) and (3,2) spaces.
#include <benchmark/benchmark.h>

#include "ctm/collapse.hpp"

using namespace ctm::collapse;

static void run_loop(benchmark::State& state, CollapseConfig c) {
  c.light_metrics = true;
  c.threads = static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(run_collapse(c).values.data());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.replicates) * c.generations);
}

static void BM_WrightFisher(benchmark::State& state) {
  CollapseConfig c;
  c.learner = LearnerKind::kCategorical;
  c.categories = 100;
  c.samples = 1000;
  c.generations = 100;
  c.replicates = 200;
  run_loop(state, c);
}
BENCHMARK(BM_WrightFisher)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_GaussianRefit(benchmark::State& state) {
  CollapseConfig c;
  c.learner = LearnerKind::kGaussian;
  c.samples = 100;
  c.generations = 100;
  c.replicates = 200;
  run_loop(state, c);
}
BENCHMARK(BM_GaussianRefit)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Symbolic learner: one replicate, N = 100, per-generation search over every behaviour of the space.
static void BM_SymbolicSearch(benchmark::State& state) {
  static const SymbolicSpace s22 = build_symbolic_space(2, 4, 20, 2, "", 1.0);
  static const SymbolicSpace s32 = build_symbolic_space(3, 4, 20, 2, "", 1.0);
  const SymbolicSpace& space = state.range(0) == 2 ? s22 : s32;
  CollapseConfig c;
  c.learner = LearnerKind::kSymbolic;
  c.space_states = static_cast<int>(state.range(0));
  c.machine = "1RB1RA_1RZ0RA";
  c.samples = 100;
  c.generations = 20;
  c.replicates = 1;
  c.threads = 1;
  c.light_metrics = true;
  for (auto _ : state) benchmark::DoNotOptimize(run_collapse(c, &space).values.data());
  state.SetItemsProcessed(state.iterations() * c.generations);
  state.counters["behaviours"] = static_cast<double>(space.behaviours.size());
  state.counters["space_build_s"] = space.build_seconds;
}
BENCHMARK(BM_SymbolicSearch)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
