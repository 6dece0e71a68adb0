// Enumerator throughput: partial machines/s, simulated steps/s and machines covered/s for whole
// spaces, on the CPU backend (and CUDA when built and present). Run:
//   ./build/bench/bench_enumerate --benchmark_filter=. [--benchmark_min_time=...]
// D(5,2) runs once per repetition (it is the wall time that matters): BM_Enumerate/5/500.
#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "ctm/enumerate.hpp"

namespace {

void run_space(benchmark::State& state, const std::string& backend, int threads) {
  ctm::EnumerateOptions o;
  o.space = ctm::Space{static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 1};
  o.cutoff = static_cast<uint32_t>(state.range(2));
  o.backend = backend;
  o.threads = threads;
  ctm_bench::time_enumeration(state, o);
}

void BM_EnumerateCpu(benchmark::State& state) { run_space(state, "cpu", 0); }
void BM_EnumerateCpuOneThread(benchmark::State& state) { run_space(state, "cpu", 1); }
void BM_EnumerateCuda(benchmark::State& state) {
  if (!ctm::cuda_available()) { state.SkipWithError("no CUDA device"); return; }
  run_space(state, "cuda", 0);
}

// Args: states, symbols, cutoff.
BENCHMARK(BM_EnumerateCpu)->Args({3, 2, 21})->Args({4, 2, 107})->Args({2, 3, 500})->Args({2, 4, 500})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EnumerateCpu)->Args({3, 3, 500})->Args({5, 2, 500})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_EnumerateCpuOneThread)->Args({4, 2, 107})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EnumerateCuda)->Args({4, 2, 107})->Args({5, 2, 500})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
