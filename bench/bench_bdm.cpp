// BDM throughput on the workloads (docs/benchmarks.md, section BDM), single-threaded
// unless the name says otherwise; bench/pybdm_compare.py times pybdm on the same inputs. Run:
//   ./build/bench/bench_bdm --benchmark_filter=. [--benchmark_min_time=...]
#include <benchmark/benchmark.h>

#include <random>

#include "ctm/bdm.hpp"

namespace {

using namespace ctm;

const BdmTable& table_1d() {
  static const BdmTable t = BdmTable::load(BdmTable::default_path(2, false), 2, false);
  return t;
}
const BdmTable& table_2d() {
  // OACC's K-4x4 (pybdm's 2D table), not the 2D default, so the comparison with pybdm uses one table.
  static const BdmTable t = BdmTable::load(std::string(CTM_SHARED_DIR) + "/anchors-data/oacc__K-4x4.csv", 2, true);
  return t;
}

// Uniform random bits (pybdm_compare.py uses numpy's generator: the work depends only on sizes).
std::vector<uint8_t> random_bits(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i += 64) {
    const uint64_t r = rng();
    for (size_t j = 0; j < 64 && i + j < n; ++j) v[i + j] = (r >> j) & 1;
  }
  return v;
}

void BM_ManyStrings(benchmark::State& state) {  // 1e5 strings of length 1000, block 12, ignore
  const int threads = static_cast<int>(state.range(0));
  std::vector<SymbolArray> inputs;
  for (int i = 0; i < 100000; ++i) inputs.push_back(SymbolArray::sequence(random_bits(1000, i)));
  BdmOptions o;
  for (auto _ : state) benchmark::DoNotOptimize(score_batch(table_1d(), o, inputs, 0, threads));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(inputs.size()));
}

void BM_LongSequence(benchmark::State& state) {  // one sequence of 1e7 symbols
  const SymbolArray x = SymbolArray::sequence(random_bits(10'000'000, 1));
  BdmOptions o;
  o.partition = static_cast<Decomposition>(state.range(0));
  BdmScorer s(table_1d(), o);
  for (auto _ : state) benchmark::DoNotOptimize(s.bdm(x));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(x.size()));
}

void BM_Array2048(benchmark::State& state) {  // 2048 x 2048 binary array, 4x4 blocks
  const SymbolArray x = SymbolArray::grid(2048, 2048, random_bits(2048 * 2048, 2));
  BdmOptions o;
  o.block_rows = o.block_cols = 4;
  o.partition = static_cast<Decomposition>(state.range(0));
  BdmScorer s(table_2d(), o);
  for (auto _ : state) benchmark::DoNotOptimize(s.bdm(x));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(x.size()));
}

void BM_Perturb(benchmark::State& state) {  // every cell flipped, N x N binary array, 4x4 ignore
  const int n = static_cast<int>(state.range(0));
  const SymbolArray x = SymbolArray::grid(n, n, random_bits(static_cast<size_t>(n) * n, 3));
  BdmOptions o;
  o.block_rows = o.block_cols = 4;
  for (auto _ : state) benchmark::DoNotOptimize(perturbation_deltas(table_2d(), o, x, static_cast<int>(state.range(1))));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(x.size()));
}

BENCHMARK(BM_ManyStrings)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LongSequence)->Arg(static_cast<int>(Decomposition::ignore))->Arg(static_cast<int>(Decomposition::correlated))->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Array2048)->Arg(static_cast<int>(Decomposition::ignore))->Arg(static_cast<int>(Decomposition::correlated))->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Perturb)->Args({256, 1})->Args({1000, 1})->Args({1000, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
