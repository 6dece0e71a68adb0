// 2D enumeration and sampling throughput (machines/s, steps/s) on the CPU. Run:
//   ./build/bench/bench_2d_sample [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include "ctm/enumerate.hpp"
#include "ctm/sample.hpp"

namespace {

// Args: states, symbols, cutoff.
void BM_Enumerate2dCpu(benchmark::State& state) {
  ctm::EnumerateOptions o;
  o.space = ctm::Space{static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 2};
  o.cutoff = static_cast<uint32_t>(state.range(2));
  o.backend = "cpu";
  double nodes = 0, steps = 0, machines = 0;
  for (auto _ : state) {
    const ctm::Table t = ctm::enumerate(o);
    nodes += static_cast<double>(t.meta.tree_nodes);
    steps += static_cast<double>(t.meta.simulated_steps);
    machines += ctm::to_double(t.machines);
    benchmark::DoNotOptimize(t.halting);
  }
  state.counters["partial_machines_per_s"] = benchmark::Counter(nodes, benchmark::Counter::kIsRate);
  state.counters["steps_per_s"] = benchmark::Counter(steps, benchmark::Counter::kIsRate);
  state.counters["machines_per_s"] = benchmark::Counter(machines, benchmark::Counter::kIsRate);
}

// Args: states, symbols, dims, cutoff, machines per iteration.
void BM_SampleCpu(benchmark::State& state) {
  ctm::SampleOptions o;
  o.space = ctm::Space{static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), static_cast<int>(state.range(2))};
  o.cutoff = static_cast<uint32_t>(state.range(3));
  o.machines = static_cast<uint64_t>(state.range(4));
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

}  // namespace

BENCHMARK(BM_Enumerate2dCpu)->Args({2, 2, 100})->Args({3, 2, 500})->Args({4, 2, 100})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SampleCpu)
    ->Args({4, 2, 1, 107, 200000})
    ->Args({5, 2, 1, 500, 100000})
    ->Args({4, 4, 1, 2000, 20000})
    ->Args({4, 2, 2, 100, 200000})
    ->Args({4, 2, 2, 2000, 20000})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_MAIN();
