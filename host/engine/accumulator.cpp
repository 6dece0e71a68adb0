// Leaf accumulation and packed-key decoding (see accumulator.hpp).
#include "accumulator.hpp"

namespace ctm::detail {

Accumulator::Accumulator(int k, uint32_t cutoff) : symbols(k), halt_time(cutoff + 1, 0) {
  bits_ = bits_per_symbol(k);
}

void Accumulator::merge(const Accumulator& other) {
  other.packed.for_each([&](uint64_t key, count_t v) { packed.add(key, v); });
  for (const auto& [s, v] : other.long_outputs) long_outputs[s] += v;
  halting += other.halting;
  proved += other.proved;
  cutoff_runs += other.cutoff_runs;
  for (size_t t = 0; t < halt_time.size() && t < other.halt_time.size(); ++t) halt_time[t] += other.halt_time[t];
  nodes += other.nodes;
  steps += other.steps;
  walk.steps_branch += other.walk.steps_branch;
  walk.steps_proved += other.walk.steps_proved;
  walk.steps_cutoff += other.walk.steps_cutoff;
  walk.cutoff_nodes += other.walk.cutoff_nodes;
  for (int p = 0; p < kProofCount; ++p) walk.settled[p] += other.walk.settled[p];
}

std::unordered_map<std::string, count_t> Accumulator::outputs() const {
  std::unordered_map<std::string, count_t> out(long_outputs.begin(), long_outputs.end());
  packed.for_each([&](uint64_t key, count_t v) {
    uint8_t cells[kOutputDigitBits];
    unpack_output(key, bits_, cells);
    std::string s(output_key_length(key), '0');
    for (size_t i = 0; i < s.size(); ++i) s[i] = symbol_char(cells[i]);
    out[s] += v;
  });
  return out;
}

}  // namespace ctm::detail
