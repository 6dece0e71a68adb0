// Sampling mode: counter-based machine draws, whole-machine simulation on every blank (1D tape of
// tm.hpp, 2D grid of tm2d.hpp), thread-parallel accumulation and Wilson intervals (see sample.hpp).
#include "ctm/sample.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <unordered_map>

#include "ctm/grid_key.hpp"
#include "ctm/tm2d.hpp"
#include "ctm/version.hpp"

namespace ctm {

uint64_t splitmix64_mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Machine sampled_machine(const Space& space, uint64_t seed, uint64_t index) {
  const uint64_t base = static_cast<uint64_t>(space.options_per_entry());
  // Largest multiple of base that fits in 2^64: draws at or above it are rejected (no modulo bias).
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % base;
  uint64_t state = splitmix64_mix(seed) + index;
  // Entry e gets digit e of decode_machine_digits, drawn and decoded one at a time: the machine
  // number itself would not fit in 128 bits for (4,6) (54^24 machines) or (4,9) (81^36).
  Machine m{space, std::vector<MachineEntry>(space.entries())};
  for (MachineEntry& e : m.entries) {
    uint64_t x;
    do {
      state += 0x9e3779b97f4a7c15ull;
      x = splitmix64_mix(state);
    } while (x >= limit);
    e = decode_entry_option(space, static_cast<int>(x % base));
  }
  return m;
}

namespace {

struct SampleAccumulator {
  std::unordered_map<std::string, count_t> counts;
  count_t halting = 0, proved = 0, cutoff_runs = 0;
  std::vector<count_t> halt_time;
  uint64_t steps = 0;
};

// Whether a halting entry is reachable from the initial state through the (total) transition graph.
bool can_halt(const Machine& m) {
  const int k = m.space.symbols;
  uint32_t seen = 1, todo = 1;
  while (todo) {
    const int q = __builtin_ctz(todo);
    todo &= todo - 1;
    for (int s = 0; s < k; ++s) {
      const MachineEntry& e = m.entries[q * k + s];
      if (e.halt) return true;
      if (!((seen >> e.next) & 1u)) { seen |= 1u << e.next; todo |= 1u << e.next; }
    }
  }
  return false;
}

// Simulators for whole machines, one per thread, reusing their tape between runs.
class Simulator {
 public:
  Simulator(const Space& space, uint32_t cutoff) : space_(space), cutoff_(cutoff) {
    if (space.dims == 2) {
      shift_ = grid_shift_for(cutoff);
      cells_.assign(static_cast<size_t>(1) << (2 * shift_), 0);
    } else {
      origin_ = static_cast<int32_t>(cutoff) + 2;
      cells_.assign(2 * static_cast<size_t>(origin_) + 1, 0);
    }
  }

  // Runs machine m on blank b; adds a halting output to acc or counts a cut-off run.
  void run(const Machine& m, uint8_t blank, SampleAccumulator& acc) {
    if (space_.dims == 2) run_2d(m, blank, acc); else run_1d(m, blank, acc);
  }

 private:
  void run_1d(const Machine& m, uint8_t blank, SampleAccumulator& acc) {
    const int k = space_.symbols;
    uint8_t* tape = cells_.data() + origin_;
    RunState r{0, 0, 0, 0, 0};
    tape[0] = blank;
    while (r.steps < cutoff_) {
      const MachineEntry& e = m.entries[r.state * k + tape[r.head]];
      if (e.halt) {
        tape[r.head] = static_cast<uint8_t>(e.write);
        r.steps++;
        std::string out(r.hi - r.lo + 1, '0');
        for (int32_t p = r.lo; p <= r.hi; ++p) out[p - r.lo] = symbol_char(tape[p]);
        record(acc, out, r.steps);
        return;
      }
      const Transition t{static_cast<uint8_t>(e.write), static_cast<uint8_t>(e.move), static_cast<uint8_t>(e.next), 0};
      apply_transition(t, r, tape, blank);
    }
    acc.cutoff_runs++;
    acc.steps += r.steps;
  }

  void run_2d(const Machine& m, uint8_t blank, SampleAccumulator& acc) {
    const int k = space_.symbols;
    const Grid g{cells_.data(), shift_};
    RunState2d r{0, 0, 0, 0, 0, 0, 0, 0};
    g.at(0, 0) = blank;
    while (r.steps < cutoff_) {
      uint8_t& cell = g.at(r.x, r.y);
      const MachineEntry& e = m.entries[r.state * k + cell];
      cell = static_cast<uint8_t>(e.write);
      r.steps++;
      if (e.halt) {
        std::string out;
        for (int32_t y = r.y_lo; y <= r.y_hi; ++y) {
          if (y != r.y_lo) out += '-';
          for (int32_t x = r.x_lo; x <= r.x_hi; ++x) out += symbol_char(g.at(x, y));
        }
        record(acc, out, r.steps);
        return;
      }
      r.state = static_cast<uint8_t>(e.next);
      move_head_2d(r, g, static_cast<uint8_t>(e.move), blank);
    }
    acc.cutoff_runs++;
    acc.steps += r.steps;
  }

  static void record(SampleAccumulator& acc, const std::string& out, uint32_t steps) {
    acc.counts[out]++;
    acc.halting++;
    acc.halt_time[steps]++;
    acc.steps += steps;
  }

  Space space_;
  uint32_t cutoff_;
  int32_t origin_ = 0, shift_ = 0;
  std::vector<uint8_t> cells_;
};

}  // namespace

Table sample(const SampleOptions& options) {
  const auto start_time = std::chrono::steady_clock::now();
  SampleOptions opt = options;
  opt.space.validate_sampled();
  const uint32_t cutoff = opt.cutoff ? opt.cutoff : standard_cutoff(opt.space);
  if (cutoff == 0) throw Error("no standard cutoff for space " + opt.space.name() + ": give one with --cutoff");
  if (cutoff > (opt.space.dims == 2 ? 4096u : 1000000u))
    throw Error("cutoff too large for sampling " + opt.space.name() + " (got " + std::to_string(cutoff) + ")");
  if (opt.machines == 0) throw Error("the number of machines to sample must be at least 1");
  if (opt.start + opt.machines < opt.start) throw Error("machine index range overflows 64 bits");
  if (opt.threads < 0) throw Error("threads must be >= 0 (got " + std::to_string(opt.threads) + ")");

  const uint64_t block = 1024;
  const uint64_t blocks = (opt.machines + block - 1) / block;
  int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = static_cast<int>(std::max<uint64_t>(1, std::min<uint64_t>(static_cast<uint64_t>(std::max(threads, 1)), blocks)));
  std::vector<SampleAccumulator> accs(threads);
  std::atomic<uint64_t> next{0};
  auto worker = [&](int id) {
    SampleAccumulator& acc = accs[id];
    acc.halt_time.assign(cutoff + 1, 0);
    Simulator sim(opt.space, cutoff);
    const count_t k = static_cast<count_t>(opt.space.symbols);
    for (;;) {
      const uint64_t b = next.fetch_add(1);
      if (b >= blocks) break;
      const uint64_t from = opt.start + b * block, to = opt.start + std::min(opt.machines, (b + 1) * block);
      for (uint64_t i = from; i < to; ++i) {
        const Machine m = sampled_machine(opt.space, opt.seed, i);
        if (!can_halt(m)) { acc.proved += k; continue; }
        for (int blank = 0; blank < opt.space.symbols; ++blank) sim.run(m, static_cast<uint8_t>(blank), acc);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker, i);
  for (auto& t : pool) t.join();

  Table t;
  t.meta.space = opt.space;
  t.meta.cutoff = cutoff;
  t.meta.backend = "cpu-sample";
  t.meta.code_version = kVersion;
  t.meta.sampling = Sampling{true, opt.seed, {SampleRange{opt.start, opt.start + opt.machines}}};
  t.halt_time.assign(cutoff + 1, 0);
  for (const auto& a : accs) {
    for (const auto& [s, c] : a.counts) t.counts[s] += c;
    t.halting += a.halting;
    t.nonhalting_proved += a.proved;
    t.nonhalting_cutoff += a.cutoff_runs;
    for (uint32_t i = 0; i <= cutoff; ++i) t.halt_time[i] += a.halt_time[i];
    t.meta.simulated_steps += a.steps;
  }
  t.machines = opt.machines;
  t.meta.work_items_done = t.meta.work_items_total = blocks;
  t.meta.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return t;
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
