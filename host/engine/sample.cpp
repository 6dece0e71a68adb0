// Sampling mode: counter-based machine draws, whole-machine simulation on every blank (1D tape of
// tm.hpp, 2D grid of tm2d.hpp), thread-parallel accumulation and Wilson intervals (see sample.hpp).
#include "ctm/sample.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <thread>
#include <unordered_map>

#include "ctm/limits.hpp"

#include "accumulator.hpp"
#include "cuda_probe.hpp"
#include "parallel.hpp"
#include "ctm/grid_key.hpp"
#include "ctm/version.hpp"
#include "sample_backend.hpp"

namespace ctm {

Machine sampled_machine(const Space& space, uint64_t seed, uint64_t index) {
  // Entry e gets digit e of decode_machine_digits, drawn and decoded one at a time (sample_walk.hpp):
  // the machine number itself would not fit in 128 bits for (4,6) (54^24 machines) or (4,9) (81^36).
  const SampleConfig c = make_sample_config(space.states, space.symbols, space.dims, 1, seed);
  SampledMachine<kMaxSampledEntries> drawn;
  draw_sampled_machine(c, index, drawn);
  Machine m{space, std::vector<MachineEntry>(space.entries())};
  for (int e = 0; e < space.entries(); ++e) {
    const SampledEntry& d = drawn.entry[e];
    m.entries[e].defined = true;
    m.entries[e].halt = d.halt != 0;
    m.entries[e].write = d.write;
    if (!d.halt) { m.entries[e].move = d.move; m.entries[e].next = d.next; }
  }
  return m;
}

namespace {

// The CPU sink of sample_machine(): outputs as strings (1D cells, or 2D rows joined by '-').
struct SampleAccumulator {
  std::unordered_map<std::string, count_t> counts;
  count_t halting = 0, proved_runs = 0, cutoff_runs = 0;
  std::vector<count_t> halt_time;
  uint64_t steps = 0;
  std::string out;  // reused between outputs

  void halting_1d(const uint8_t* cells, int len, int head, uint8_t head_value, uint32_t step) {
    out.resize(static_cast<size_t>(len));
    for (int i = 0; i < len; ++i) out[i] = symbol_char(i == head ? head_value : cells[i]);
    record(step);
  }
  void halting_2d(const Grid& g, const RunState2d& r) {
    out.clear();
    for (int32_t y = r.y_lo; y <= r.y_hi; ++y) {
      if (y != r.y_lo) out += '-';
      for (int32_t x = r.x_lo; x <= r.x_hi; ++x) out += symbol_char(g.at(x, y));
    }
    record(r.steps);
  }
  void cutoff(uint32_t step) {
    cutoff_runs++;
    steps += step;
  }
  void proved(int runs) { proved_runs += static_cast<count_t>(runs); }
  void record(uint32_t step) {
    counts[out]++;
    halting++;
    halt_time[step]++;
    steps += step;
  }
};

void check_sample_options(const SampleOptions& opt, uint32_t cutoff) {
  opt.space.validate_sampled();
  if (cutoff == 0) throw Error("no standard cutoff for space " + opt.space.name() + ": give one with --cutoff");
  if (cutoff > max_cutoff(opt.space.dims))
    throw Error("cutoff too large for sampling " + opt.space.name() + " (got " + std::to_string(cutoff) + ")");
  if (opt.machines == 0) throw Error("the number of machines to sample must be at least 1");
  if (opt.start + opt.machines < opt.start) throw Error("machine index range overflows 64 bits");
  if (opt.threads < 0) throw Error("threads must be >= 0 (got " + std::to_string(opt.threads) + ")");
}

// Machines are handed out in blocks of this many (work_items in the metadata, for every backend).
constexpr uint64_t kSampleBlock = 1024;

Table sample_table_shell(const SampleOptions& opt, uint32_t cutoff, const char* backend) {
  Table t;
  t.meta.space = opt.space;
  t.meta.cutoff = cutoff;
  t.meta.backend = backend;
  t.meta.code_version = kVersion;
  t.meta.sampling = Sampling{true, opt.seed, {SampleRange{opt.start, opt.start + opt.machines}}};
  t.halt_time.assign(cutoff + 1, 0);
  t.machines = opt.machines;
  t.meta.work_items_done = t.meta.work_items_total = (opt.machines + kSampleBlock - 1) / kSampleBlock;
  return t;
}

}  // namespace

namespace detail {

Table sample_cpu(const SampleOptions& opt, uint32_t cutoff) {
  const auto start_time = std::chrono::steady_clock::now();
  const uint64_t block = kSampleBlock;
  const uint64_t blocks = (opt.machines + block - 1) / block;
  // The enumerators' pool (parallel.hpp): items are blocks of machines, progress counts machines.
  EnumerateOptions pool_opt;
  pool_opt.threads = opt.threads;
  pool_opt.progress_interval = opt.progress_interval > 0 ? opt.progress_interval : 0.5;
  if (opt.progress)
    pool_opt.progress = [&](const Progress& blocks_done) {
      Progress p = blocks_done;
      p.items_done = std::min(opt.machines, blocks_done.items_done * block);
      p.items_total = opt.machines;
      return opt.progress(p);
    };
  const int threads = worker_threads(pool_opt, blocks);
  const SampleConfig cfg = make_sample_config(opt.space.states, opt.space.symbols, opt.space.dims, cutoff, opt.seed);
  std::vector<SampleAccumulator> accs(threads);
  std::vector<std::vector<uint8_t>> cells(threads);
  for (int i = 0; i < threads; ++i) {
    accs[i].halt_time.assign(cutoff + 1, 0);
    cells[i].assign(sample_cells_per_thread(cfg), 0);
  }
  std::atomic<bool> cancel{false};
  run_work_items(
      blocks, threads, pool_opt, start_time, cancel,
      [&](int id, size_t b) {
        SampledMachine<kMaxSampledEntries> m;
        const uint64_t from = opt.start + b * block, to = opt.start + std::min(opt.machines, (b + 1) * block);
        for (uint64_t i = from; i < to; ++i) sample_machine(cfg, i, m, cells[id].data(), accs[id]);
      },
      nullptr, "sampling");

  Table t = sample_table_shell(opt, cutoff, "cpu-sample");
  for (const auto& a : accs) {
    for (const auto& [s, c] : a.counts) t.counts[s] += c;
    t.halting += a.halting;
    t.nonhalting_proved += a.proved_runs;
    t.nonhalting_cutoff += a.cutoff_runs;
    for (uint32_t i = 0; i <= cutoff; ++i) t.halt_time[i] += a.halt_time[i];
    t.meta.simulated_steps += a.steps;
  }
  t.meta.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return t;
}

Table sample_device(const SampleOptions& opt, uint32_t cutoff, const DeviceSampler& run, const char* backend) {
  const auto start_time = std::chrono::steady_clock::now();
  const SampleConfig cfg = make_sample_config(opt.space.states, opt.space.symbols, opt.space.dims, cutoff, opt.seed);
  const DeviceLeaves leaves = run(cfg, opt.start, opt.machines, [&](const DeviceProgress& d) {
    if (!opt.progress) return true;
    Progress p;
    p.items_done = d.items_done;
    p.items_total = opt.machines;
    p.machines_covered = d.nodes;
    p.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
    return opt.progress(p);
  });
  Table t = sample_table_shell(opt, cutoff, backend);
  // Packed keys decode as the enumerations' (1D: Accumulator; 2D: grid_key_of_packed).
  if (opt.space.dims == 2) {
    const int bits = bits_per_symbol(opt.space.symbols);
    for (const auto& [key, c] : leaves.packed) t.counts[grid_key_of_packed(key, bits)] += c;
  } else {
    Accumulator acc(opt.space.symbols, cutoff);
    for (const auto& [key, c] : leaves.packed) acc.add_packed(key, c);
    for (const auto& [s, c] : acc.outputs()) t.counts[s] += c;
  }
  for (const auto& [s, c] : leaves.long_outputs) t.counts[s] += c;
  t.halting = leaves.halting;
  t.nonhalting_proved = leaves.proved;
  t.nonhalting_cutoff = leaves.cutoff_runs;
  t.halt_time = leaves.halt_time;
  t.meta.simulated_steps = leaves.steps;
  if (leaves.nodes != opt.machines)
    throw Error("device sampler: " + std::to_string(leaves.nodes) + " machines sampled, " +
                std::to_string(opt.machines) + " asked");
  t.meta.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return t;
}

#ifdef CTM_WITH_CUDA
Table sample_cuda(const SampleOptions& opt, uint32_t cutoff) {
  DeviceWalkOptions dev;
  dev.device = opt.device;
  dev.batch_seconds = opt.progress_interval > 0 ? opt.progress_interval : 0.5;
  dev.max_batch_items = 1u << 26;  // machines per launch, at most (about 0.5 s of work is the aim)
  return sample_device(
      opt, cutoff,
      [&](const SampleConfig& cfg, uint64_t start, uint64_t machines, const DeviceProgressFn& progress) {
        return sample_on_device(cfg, start, machines, dev, progress);
      },
      "cuda-sample");
}
#endif

}  // namespace detail

Table sample(const SampleOptions& options) {
  const SampleOptions& opt = options;
  const uint32_t cutoff = opt.cutoff ? opt.cutoff : standard_cutoff(opt.space);
  check_sample_options(opt, cutoff);
  const std::string& backend = opt.backend;
  if (backend != "auto" && backend != "cpu" && backend != "cuda")
    throw Error("unknown backend '" + backend + "' (expected auto, cpu or cuda)");
  const bool fits_device = opt.space.entries() <= kMaxDeviceSampledEntries;
  if (backend == "cpu" || (backend == "auto" && (!cuda_available() || !fits_device))) return detail::sample_cpu(opt, cutoff);
#ifdef CTM_WITH_CUDA
  if (!cuda_available()) throw Error(detail::no_cuda_device_message());
  if (!fits_device)
    throw Error("backend 'cuda' samples at most " + std::to_string(kMaxDeviceSampledEntries) + " entries (n*k); " +
                opt.space.name() + " has " + std::to_string(opt.space.entries()) + " (use --backend cpu)");
  if (opt.device < 0 || opt.device >= detail::cuda_device_count())
    throw Error("CUDA device " + std::to_string(opt.device) + " does not exist (" +
                std::to_string(detail::cuda_device_count()) + " device(s) present)");
  if (backend == "cuda") return detail::sample_cuda(opt, cutoff);
  // auto: a device failure (out of memory, overflow, a fault) falls back to the CPU; a cancel does not.
  try {
    return detail::sample_cuda(opt, cutoff);
  } catch (const Cancelled&) {
    throw;
  } catch (const std::exception& e) {
    if (opt.warn) opt.warn(std::string("CUDA sampling failed, sampling on the CPU instead: ") + e.what());
    return detail::sample_cpu(opt, cutoff);
  }
#else
  throw Error(detail::no_cuda_device_message());
#endif
}

Interval wilson_interval(count_t successes, count_t trials, double z) {
  if (trials == 0) return {0, 1};
  const double n = to_double(trials), p = to_double(successes) / n, z2 = z * z;
  const double denom = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
  // The bounds are exact at the ends (0 and 1 successes rates), whatever the rounding.
  return {successes == 0 ? 0.0 : std::max(0.0, center - half), successes == trials ? 1.0 : std::min(1.0, center + half)};
}

Interval d_interval(const Table& t, const std::string& s) { return wilson_interval(t.count(s), t.halting); }

Interval k_interval(const Table& t, const std::string& s) {
  const Interval d = d_interval(t, s);
  return {-std::log2(d.high), d.low > 0 ? -std::log2(d.low) : std::numeric_limits<double>::infinity()};
}

}  // namespace ctm
