// Table values: lookups, exact merging, consistency checks, key normalisation.
#include "ctm/table.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ctm {

uint64_t Sampling::machines() const {
  uint64_t total = 0;
  for (const auto& r : ranges) total += r.end - r.start;
  return total;
}

count_t Table::count(const std::string& s) const {
  auto it = counts.find(s);
  return it == counts.end() ? 0 : it->second;
}

double Table::probability(const std::string& s) const {
  if (halting == 0) return 0;
  return to_double(count(s)) / to_double(halting);
}

double Table::complexity(const std::string& s) const {
  const count_t c = count(s);
  if (c == 0) return std::numeric_limits<double>::infinity();
  // In long double: log2(H) - log2(c) stays exact to the last double digit for counts beyond 2^53.
  auto wide = [](count_t v) {
    return static_cast<long double>(static_cast<uint64_t>(v >> 64)) * 18446744073709551616.0L +
           static_cast<long double>(static_cast<uint64_t>(v));
  };
  return static_cast<double>(std::log2(wide(halting)) - std::log2(wide(c)));
}

void Table::merge(const Table& other) {
  if (other.meta.space.states != meta.space.states || other.meta.space.symbols != meta.space.symbols ||
      other.meta.space.dims != meta.space.dims)
    throw Error("cannot merge tables of different spaces: " + meta.space.name() + " and " +
                other.meta.space.name());
  if (other.meta.cutoff != meta.cutoff)
    throw Error("cannot merge tables of different cutoffs: " + std::to_string(meta.cutoff) + " and " +
                std::to_string(other.meta.cutoff));
  const Sampling& a = meta.sampling;
  const Sampling& b = other.meta.sampling;
  if (a.sampled != b.sampled) throw Error("cannot merge a sampled table with an exact one");
  if (a.sampled) {
    if (a.seed != b.seed)
      throw Error("cannot merge sampled tables of different seeds: " + std::to_string(a.seed) + " and " + std::to_string(b.seed));
    for (const auto& x : a.ranges)
      for (const auto& y : b.ranges)
        if (x.start < y.end && y.start < x.end)
          throw Error("cannot merge sampled tables with overlapping machine ranges: [" + std::to_string(x.start) + ", " +
                      std::to_string(x.end) + ") and [" + std::to_string(y.start) + ", " + std::to_string(y.end) + ")");
    std::vector<SampleRange> all = a.ranges;
    all.insert(all.end(), b.ranges.begin(), b.ranges.end());
    std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.start < y.start; });
    std::vector<SampleRange> merged;
    for (const auto& r : all) {
      if (!merged.empty() && merged.back().end == r.start) merged.back().end = r.end;
      else merged.push_back(r);
    }
    meta.sampling.ranges = merged;
  }
  if (!a.sampled) {
    if (meta.shard_count != other.meta.shard_count)
      throw Error("cannot merge tables of different shard splits (" + std::to_string(meta.shard_count) + " and " +
                  std::to_string(other.meta.shard_count) + " shards): merge the parts of one split");
    auto covered = [](const TableMeta& m) {
      return m.shards_covered.empty() ? std::vector<uint32_t>{m.shard_index} : m.shards_covered;
    };
    std::vector<uint32_t> mine = covered(meta), theirs = covered(other.meta);
    for (uint32_t s : theirs)
      if (std::find(mine.begin(), mine.end(), s) != mine.end())
        throw Error("cannot merge: shard " + std::to_string(s) + " of " + std::to_string(meta.shard_count) +
                    " is in both tables and would be counted twice");
    mine.insert(mine.end(), theirs.begin(), theirs.end());
    std::sort(mine.begin(), mine.end());
    if (mine.size() == meta.shard_count) {  // the whole split: a complete table
      meta.shard_count = 1;
      meta.shard_index = 0;
      mine.clear();
    }
    meta.shards_covered = mine;
    if (!mine.empty()) meta.shard_index = mine.front();
  }
  for (const auto& [s, c] : other.counts) counts[s] += c;
  machines += other.machines;
  halting += other.halting;
  nonhalting_proved += other.nonhalting_proved;
  nonhalting_cutoff += other.nonhalting_cutoff;
  if (halt_time.size() < other.halt_time.size()) halt_time.resize(other.halt_time.size(), 0);
  for (size_t t = 0; t < other.halt_time.size(); ++t) halt_time[t] += other.halt_time[t];
  meta.wall_seconds += other.meta.wall_seconds;
  meta.tree_nodes += other.meta.tree_nodes;
  meta.simulated_steps += other.meta.simulated_steps;
  meta.work_items_done += other.meta.work_items_done;
  if (meta.backend != other.meta.backend) meta.backend = "mixed";
  // Accounting adds up only when both parts kept it; decider lists are united (the counts do not
  // depend on them, only the proved / cut-off split does).
  RunAccounting& acc = meta.accounting;
  const RunAccounting& oacc = other.meta.accounting;
  if (acc.recorded && oacc.recorded) {
    acc.steps_branch += oacc.steps_branch;
    acc.steps_proved += oacc.steps_proved;
    acc.steps_cutoff += oacc.steps_cutoff;
    acc.cutoff_nodes += oacc.cutoff_nodes;
    for (const auto& [name, n] : oacc.settled) acc.settled[name] += n;
    // Per-filter steps only when both parts have them (a part from an older file has none).
    if (acc.proved_steps.empty() || oacc.proved_steps.empty()) acc.proved_steps.clear();
    else
      for (const auto& [name, n] : oacc.proved_steps) acc.proved_steps[name] += n;
  } else {
    acc = RunAccounting{};
  }
  for (const auto& d : other.meta.deciders)
    if (std::find(meta.deciders.begin(), meta.deciders.end(), d) == meta.deciders.end()) meta.deciders.push_back(d);
  // One schedule only when both parts ran the same one.
  if (meta.schedule != other.meta.schedule) meta.schedule.clear();
}

void Table::check_consistency() const {
  count_t sum = 0;
  for (const auto& [s, c] : counts) sum += c;
  if (sum != halting) throw Error("table inconsistent: output counts sum to " + to_string(sum) + ", H = " + to_string(halting));
  count_t hist = 0;
  for (count_t c : halt_time) hist += c;
  if (!halt_time.empty() && hist != halting)
    throw Error("table inconsistent: halting-time histogram sums to " + to_string(hist) + ", H = " + to_string(halting));
  if (runs() != machines * static_cast<count_t>(meta.space.symbols))
    throw Error("table inconsistent: " + to_string(runs()) + " runs for " + to_string(machines) + " machines");
  if (complete() && !meta.sampling.sampled && meta.space.states > 0 && machines != meta.space.machine_count())
    throw Error("table inconsistent: a complete table of " + meta.space.name() + " covers " + to_string(machines) +
                " machines, not " + to_string(meta.space.machine_count()));
}

std::string normalize_key(const std::string& s) {
  char map[256];
  for (auto& c : map) c = 0;
  int next = 0;
  std::string out(s.size(), '0');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!map[c]) map[c] = symbol_char(next++);
    out[i] = map[c];
  }
  return out;
}

int complete_length(const Table& t) {
  if (t.meta.space.dims != 1) return 0;
  const int k = t.meta.space.symbols;
  std::vector<double> found;  // found[l] = distinct strings of length l (k^l exceeds 2^64 soon)
  for (const auto& [s, c] : t.counts) {
    if (!c) continue;
    if (s.size() >= found.size()) found.resize(s.size() + 1, 0);
    found[s.size()] += 1;
  }
  int l = 1;
  for (double all = k; l < static_cast<int>(found.size()) && found[l] == all; ++l) all *= k;
  return l - 1;
}

}  // namespace ctm
