// 2D enumeration and sampling throughput (machines/s, steps/s) on the CPU, and both on CUDA
// (BM_Enumerate2dCuda, BM_SampleCuda: skipped without a device). Run:
//   ./build/bench/bench_2d_sample [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "ctm/enumerate.hpp"
#include "ctm/sample.hpp"

namespace {

// Args: states, symbols, cutoff.
void run_enumerate_2d(benchmark::State& state, const char* backend) {
  ctm::EnumerateOptions o;
  o.space = ctm::Space{static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 2};
  o.cutoff = static_cast<uint32_t>(state.range(2));
  o.backend = backend;
  ctm_bench::time_enumeration(state, o);
}

void BM_Enumerate2dCpu(benchmark::State& state) { run_enumerate_2d(state, "cpu"); }

void BM_Enumerate2dCuda(benchmark::State& state) {
  if (!ctm::cuda_available()) { state.SkipWithError("no CUDA device"); return; }
  run_enumerate_2d(state, "cuda");
}

// Args: states, symbols, dims, cutoff, machines per iteration. Each iteration samples the next
// index range of seed 0.
void run_sample(benchmark::State& state, const char* backend) {
  ctm::SampleOptions o;
  o.space = ctm::Space{static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), static_cast<int>(state.range(2))};
  o.cutoff = static_cast<uint32_t>(state.range(3));
  o.machines = static_cast<uint64_t>(state.range(4));
  o.backend = backend;
  double steps = 0, machines = 0;
  for (auto _ : state) {
    const ctm::Table t = ctm::sample(o);
    o.start += o.machines;
    steps += static_cast<double>(t.meta.simulated_steps);
    machines += static_cast<double>(o.machines);
    benchmark::DoNotOptimize(t.halting);
  }
  state.counters["machines_per_s"] = benchmark::Counter(machines, benchmark::Counter::kIsRate);
  state.counters["steps_per_s"] = benchmark::Counter(steps, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<int64_t>(machines));
}

void BM_SampleCpu(benchmark::State& state) { run_sample(state, "cpu"); }

void BM_SampleCuda(benchmark::State& state) {
  if (!ctm::cuda_available()) { state.SkipWithError("no CUDA device"); return; }
  run_sample(state, "cuda");
}

}  // namespace

BENCHMARK(BM_Enumerate2dCpu)->Args({2, 2, 100})->Args({3, 2, 500})->Args({4, 2, 100})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Enumerate2dCuda)->Args({3, 2, 500})->Args({4, 2, 100})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SampleCpu)
    ->Args({4, 2, 1, 107, 200000})
    ->Args({5, 2, 1, 500, 100000})
    ->Args({4, 4, 1, 2000, 20000})
    ->Args({4, 2, 2, 100, 200000})
    ->Args({4, 2, 2, 2000, 20000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// The published sampled spaces at GPU scale: 1e8 machines per iteration ((4,4) 1e7).
BENCHMARK(BM_SampleCuda)
    ->Args({5, 2, 1, 500, 100000000})
    ->Args({4, 4, 1, 2000, 10000000})
    ->Args({4, 5, 1, 2000, 10000000})
    ->Args({4, 2, 2, 2000, 10000000})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_MAIN();
