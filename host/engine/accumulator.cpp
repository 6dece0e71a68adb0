// Leaf accumulation and packed-key decoding (see accumulator.hpp), instantiated for Tape1d and Grid2d.
#include "accumulator.hpp"

#include "ctm/grid_key.hpp"

namespace ctm::detail {
namespace {

// The text key of a packed output: pack_output (1D) or pack_grid_output (2D) read back.
std::string text_of_packed(Tape1d, uint64_t key, int bits) {
  uint8_t cells[kOutputDigitBits];
  unpack_output(key, bits, cells);
  std::string s(output_key_length(key), '0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = symbol_char(cells[i]);
  return s;
}
std::string text_of_packed(Grid2d, uint64_t key, int bits) { return grid_key_of_packed(key, bits); }

}  // namespace

template <class Geo>
void AccumulatorOf<Geo>::merge(const AccumulatorOf& other) {
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
  for (int p = 0; p < kProofCount; ++p) {
    walk.settled[p] += other.walk.settled[p];
    walk.steps_settled[p] += other.walk.steps_settled[p];
  }
}

template <class Geo>
std::unordered_map<std::string, count_t> AccumulatorOf<Geo>::outputs() const {
  std::unordered_map<std::string, count_t> out(long_outputs.begin(), long_outputs.end());
  packed.for_each([&](uint64_t key, count_t v) { out[text_of_packed(Geo{}, key, bits_)] += v; });
  return out;
}

template struct AccumulatorOf<Tape1d>;
template struct AccumulatorOf<Grid2d>;

}  // namespace ctm::detail
