// The symbolic learner's machine space (every (n,2) machine on every input, grouped by output
// distribution, with an algorithmic-probability prior) and the simulator's small BDM.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "ctm/collapse.hpp"
#include "ctm/machine.hpp"
#include "ctm/bdm.hpp"
#include "ctm/table_io.hpp"
#include "core/keys.hpp"
#include "core/tm.hpp"
#include "engine/parallel.hpp"

namespace ctm::collapse {
namespace {

// A (n,2) machine in the engine's form: running transitions as ctm::Transition (tm.hpp), halting
// entries flagged apart (the engine keeps those out of its partial machines: a halt ends the run).
struct CompactMachine {
  int states = 0;
  Transition entry[kMaxEntries] = {};
  uint8_t halt_write[kMaxEntries] = {};
  bool halts[kMaxEntries] = {};
};

CompactMachine compact(const Machine& m) {
  if (m.space.symbols != 2) throw Error("symbolic learner: machines must have 2 symbols");
  if (m.space.entries() > kMaxEntries) throw Error("symbolic learner: at most 8 states");
  CompactMachine c;
  c.states = m.space.states;
  for (int e = 0; e < m.space.entries(); ++e) {
    const MachineEntry& x = m.entries[e];
    if (!x.defined) throw Error("symbolic learner: machine " + to_standard_text(m) + " has an undefined entry");
    c.halts[e] = x.halt;
    c.halt_write[e] = static_cast<uint8_t>(x.write);
    if (!x.halt)
      c.entry[e] = Transition{static_cast<uint8_t>(x.write), static_cast<uint8_t>(x.move), static_cast<uint8_t>(x.next), 0};
  }
  return c;
}

// The engine's tape interface over a tape pre-loaded with the input: apply_transition blanks a cell
// the first time the head reaches it (the engine's tapes start blank); here that first visit reveals
// the input bit instead. The machine's own writes always hit visited cells and are kept.
struct InputTape {
  uint8_t* cells;
  uint8_t* visited;
  struct Cell {
    InputTape& tape;
    int32_t i;
    Cell& operator=(uint8_t v) {
      if (tape.visited[i]) tape.cells[i] = v;
      else tape.visited[i] = 1;
      return *this;
    }
  };
  Cell operator[](int32_t i) { return Cell{*this, i}; }
};

// Output key: pack_binary_output (keys.hpp); 0 = did not halt. The step is the
// engine's apply_transition (tm.hpp); the halting transition writes, does not move and counts.
uint64_t run_key(const CompactMachine& m, int input_bits, uint32_t x, uint32_t cutoff) {
  constexpr int kTape = 128, kOrigin = 60;  // the head stays within kSymbolicMaxCutoff cells of the origin
  static_assert(kOrigin >= static_cast<int>(kSymbolicMaxCutoff) && kOrigin + kSymbolicMaxInputBits + kSymbolicMaxCutoff < kTape);
  uint8_t cells[kTape] = {}, visited[kTape] = {};
  for (int i = 0; i < input_bits; ++i) cells[kOrigin + i] = (x >> i) & 1u;
  visited[kOrigin] = 1;
  InputTape tape{cells, visited};
  RunState r{kOrigin, kOrigin, kOrigin, 0, 0, kProofNone};
  while (r.steps < cutoff) {
    const int e = r.state * 2 + cells[r.head];
    if (m.halts[e]) {
      cells[r.head] = m.halt_write[e];
      return pack_binary_output(cells + r.lo, r.hi - r.lo + 1);
    }
    apply_transition(m.entry[e], r, tape, 0);
  }
  return 0;
}

std::string key_string(uint64_t key) {
  if (key == 0) return "*";
  std::string s(binary_output_length(key), '0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = binary_output_cell(key, static_cast<int>(i)) ? '1' : '0';
  return s;
}

using Signature = std::vector<std::pair<uint64_t, uint32_t>>;  // (output key, inputs), by key

Signature signature_of(const CompactMachine& m, int input_bits, uint32_t cutoff, std::vector<uint64_t>& scratch) {
  const uint32_t inputs = 1u << input_bits;
  scratch.resize(inputs);
  for (uint32_t x = 0; x < inputs; ++x) scratch[x] = run_key(m, input_bits, x, cutoff);
  std::sort(scratch.begin(), scratch.end());
  Signature sig;
  for (uint64_t k : scratch) {
    if (!sig.empty() && sig.back().first == k) ++sig.back().second;
    else sig.emplace_back(k, 1);
  }
  return sig;
}

struct SignatureHash {
  size_t operator()(const Signature& s) const {
    uint64_t h = 1469598103934665603ull;
    for (auto& [k, c] : s) {
      h ^= k + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
      h ^= c * 0xff51afd7ed558ccdull;
    }
    return static_cast<size_t>(h);
  }
};

struct Group {
  uint64_t first = 0;  // lowest machine number with this behaviour
  uint64_t count = 0;
};

}  // namespace

std::string run_on_input(const std::string& machine_text, int input_bits, uint32_t x, uint32_t cutoff) {
  if (input_bits < 0 || input_bits > kSymbolicMaxInputBits || cutoff > kSymbolicMaxCutoff) throw Error("run_on_input: input_bits <= 10 and cutoff <= 40");
  return key_string(run_key(compact(parse_standard_text(machine_text, 2)), input_bits, x, cutoff));
}

SymbolicSpace build_symbolic_space(int states, int input_bits, uint32_t cutoff, int threads,
                                   const std::string& table_path, double prior_weight) {
  const auto start = std::chrono::steady_clock::now();
  if (states < 1 || states > kSymbolicMaxStates) throw Error("symbolic space: states must be 1..3, got " + std::to_string(states));
  if (input_bits < 0 || input_bits > kSymbolicMaxInputBits || cutoff < 1 || cutoff > kSymbolicMaxCutoff)
    throw Error("symbolic space: input_bits in 0..10 and cutoff in 1..40");
  const Space space{states, 2, 1};
  const uint64_t total = static_cast<uint64_t>(space.machine_count());
  int nthreads = ctm::detail::thread_count(threads);
  nthreads = static_cast<int>(std::min<uint64_t>(nthreads, std::max<uint64_t>(1, total / 1000)));

  // Each thread takes one contiguous slice of machine numbers; merging keeps the lowest number.
  std::vector<std::unordered_map<Signature, Group, SignatureHash>> maps(nthreads);
  ctm::detail::parallel_for(static_cast<size_t>(nthreads), nthreads, [&](int, size_t w) {
    std::vector<uint64_t> scratch;
    const uint64_t begin = total * w / nthreads, end = total * (w + 1) / nthreads;
    for (uint64_t number = begin; number < end; ++number) {
      const CompactMachine m = compact(decode_machine_number(space, number));
      Group& g = maps[w][signature_of(m, input_bits, cutoff, scratch)];
      if (g.count == 0) g.first = number;
      ++g.count;
    }
  });
  std::unordered_map<Signature, Group, SignatureHash> all = std::move(maps[0]);
  for (int w = 1; w < nthreads; ++w)
    for (auto& [sig, g] : maps[w]) {
      Group& a = all[sig];
      if (a.count == 0) a.first = g.first;
      a.count += g.count;
    }

  // Output ids in a fixed order: by length, then as binary strings; "*" first.
  std::vector<uint64_t> keys;
  for (auto& [sig, g] : all)
    for (auto& [k, c] : sig) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  SymbolicSpace out;
  out.states = states;
  out.input_bits = input_bits;
  out.cutoff = cutoff;
  std::vector<std::pair<std::string, uint64_t>> named;
  for (uint64_t k : keys) named.emplace_back(key_string(k), k);
  std::sort(named.begin(), named.end(), [](const auto& a, const auto& b) {
    if (a.first == "*" || b.first == "*") return a.first == "*" && b.first != "*";
    return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
  });
  std::unordered_map<uint64_t, uint32_t> id_of;
  for (size_t i = 0; i < named.size(); ++i) {
    out.outputs.push_back(named[i].first);
    id_of[named[i].second] = static_cast<uint32_t>(i);
  }

  const SmallBdm bdm(table_path);
  std::vector<double> output_k(out.outputs.size(), 0.0);  // K of "*" (no halt) or BDM of each output, once
  if (bdm.loaded())
    for (size_t i = 0; i < out.outputs.size(); ++i) output_k[i] = out.outputs[i] == "*" ? bdm.k("") : bdm.bdm(out.outputs[i]);
  std::vector<std::pair<uint64_t, const Signature*>> order;
  for (auto& [sig, g] : all) order.emplace_back(g.first, &sig);
  std::sort(order.begin(), order.end());
  const double inputs = std::ldexp(1.0, input_bits);
  for (auto& [first, sig] : order) {
    Behaviour b;
    b.multiplicity = all[*sig].count;
    b.example = to_standard_text(decode_machine_number(space, first));
    double mean_k = 0;
    for (auto& [k, c] : *sig) {
      const uint32_t id = id_of[k];
      b.dist.emplace_back(id, c);
      mean_k += c * output_k[id];
    }
    std::sort(b.dist.begin(), b.dist.end());
    // Prior: the behaviour's algorithmic probability in the space (share of machines showing it),
    // times 2^-(mean CTM K of its outputs) when a D(5,2) table is given.
    b.log2_prior = std::log2(static_cast<double>(b.multiplicity) / static_cast<double>(total)) -
                   prior_weight * mean_k / inputs;
    out.behaviours.push_back(std::move(b));
  }
  out.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

int find_behaviour(const SymbolicSpace& space, const std::string& machine_text) {
  const CompactMachine m = compact(parse_standard_text(machine_text, 2));
  std::vector<uint64_t> scratch;
  const Signature sig = signature_of(m, space.input_bits, space.cutoff, scratch);
  std::unordered_map<std::string, uint32_t> id_of;
  for (size_t i = 0; i < space.outputs.size(); ++i) id_of[space.outputs[i]] = static_cast<uint32_t>(i);
  std::vector<std::pair<uint32_t, uint32_t>> dist;
  for (auto& [k, c] : sig) {
    auto it = id_of.find(key_string(k));
    if (it == id_of.end()) return -1;
    dist.emplace_back(it->second, c);
  }
  std::sort(dist.begin(), dist.end());
  for (size_t b = 0; b < space.behaviours.size(); ++b)
    if (space.behaviours[b].dist == dist) return static_cast<int>(b);
  return -1;
}

// ---------------------------------------------------------------------------------------------
// The simulator's BDM is the engine's BdmScorer with the acss decomposition (12-blocks from the start,
// a shorter last block kept) on the D(5,2) table; absent blocks get the shape's largest K + 1.
SmallBdm::SmallBdm(const std::string& table_path) {
  if (table_path.empty()) return;
  auto table = std::make_shared<BdmTable>(BdmTable::load(table_path, 2, false));
  if (table->symbols() != 2 || table->two_d()) throw Error("BDM table " + table_path + " is not a 1D 2-symbol table");
  for (const auto& shape : table->shapes()) missing_k_ = std::max(missing_k_, shape.max_k + 1);
  table_ = std::move(table);
}

double SmallBdm::k(const std::string& block) const {
  if (!table_ || block.empty() || block.size() > 12) return missing_k_;
  return bdm(block);
}

double SmallBdm::bdm(const std::string& s) const {
  if (!table_ || s.empty()) return 0;
  BdmOptions options;
  options.block_cols = 12;
  options.partition = Decomposition::acss;
  BdmScorer scorer(*table_, options);  // scratch per call: callers cache per output string
  return scorer.bdm(SymbolArray::from_string(s)).bdm;
}

}  // namespace ctm::collapse
