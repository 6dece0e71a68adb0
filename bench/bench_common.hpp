// The timed loop the enumeration benchmarks share: enumerate() with the given options, reported as
// partial machines/s, simulated steps/s and machines covered/s (bench_enumerate, bench_2d_sample).
#pragma once
#include <benchmark/benchmark.h>

#include <cstdint>

#include "ctm/enumerate.hpp"

namespace ctm_bench {

inline void time_enumeration(benchmark::State& state, const ctm::EnumerateOptions& o) {
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
  state.SetItemsProcessed(static_cast<int64_t>(nodes));
}

}  // namespace ctm_bench
