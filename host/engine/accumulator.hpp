// Per-thread accumulation of tree leaves before symmetrisation, one template for 1D and 2D: output
// counts on blank 0 keyed by a packed integer (short outputs) or a string (long ones), plus run
// statistics. Internal to host/.
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "ctm/table.hpp"
#include "core/geometry.hpp"
#include "flat_map.hpp"

namespace ctm::detail {

// Leaves of the tree on blank 0 in geometry Geo (geometry.hpp), before the symmetries (mirror or
// rotations, blank symbols) are applied: outputs keyed by Geo::pack() when they fit 64 bits, else by
// their text key (symbols, rows joined by '-' in 2D).
template <class Geo>
struct AccumulatorOf {
  AccumulatorOf(int k, uint32_t cutoff) : symbols(k), halt_time(cutoff + 1, 0), bits_(bits_per_symbol(k)) {}

  // Counts one output: the cells of r, the head cell replaced by head_value (reflected when `reflect`).
  void add_output(typename Geo::Cells cells, const typename Geo::Run& r, uint8_t head_value, bool reflect,
                  count_t weight) {
    if (const uint64_t key = Geo::pack(cells, r, head_value, reflect, bits_)) {
      packed.add(key, weight);
    } else {
      long_outputs[output_text(cells, r, head_value, reflect)] += weight;
    }
  }
  // Counts the k outputs of a halting leaf: the cells of r with the head cell replaced by each
  // symbol (reflected when `reflect`). A 1D key is packed once: the head's digit is then each symbol.
  void add_halting_outputs(typename Geo::Cells cells, const typename Geo::Run& r, bool reflect, count_t weight) {
    if constexpr (std::is_same_v<Geo, Tape1d>) {
      if (const uint64_t key = Geo::pack(cells, r, 0, reflect, bits_)) {
        const int shift = digit_shift(r.head - r.lo, static_cast<int>(Geo::cell_count(r)), bits_);
        for (int w = 0; w < symbols; ++w) packed.add(key | static_cast<uint64_t>(w) << shift, weight);
        return;
      }
    }
    for (int w = 0; w < symbols; ++w) add_output(cells, r, static_cast<uint8_t>(w), reflect, weight);
  }
  // The text key of an output (what a long output is keyed by, and `ctm machines` prints).
  static std::string output_text(typename Geo::Cells cells, const typename Geo::Run& r, uint8_t head_value,
                                 bool reflect) {
    std::vector<uint8_t> digits(Geo::cell_count(r));
    Geo::write_output(digits.data(), cells, r, head_value, reflect);
    const size_t width = static_cast<size_t>(Geo::row_width(r));
    std::string s;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (width && i && i % width == 0) s += '-';
      s += symbol_char(digits[i]);
    }
    return s;
  }
  void add_packed(uint64_t key, count_t weight) { packed.add(key, weight); }
  void merge(const AccumulatorOf& other);
  // All outputs as text keys with their counts.
  std::unordered_map<std::string, count_t> outputs() const;

  int symbols;
  FlatMap<count_t> packed;  // packed keys are never ~0 (1D: length <= 58; 2D: height, width < 63)
  std::unordered_map<std::string, count_t> long_outputs;
  count_t halting = 0, proved = 0, cutoff_runs = 0;
  std::vector<count_t> halt_time;
  uint64_t nodes = 0, steps = 0;
  WalkStats walk;  // step and proof accounting of the walks that filled it

 private:
  int bits_ = 1;
};

using Accumulator = AccumulatorOf<Tape1d>;
using Accumulator2d = AccumulatorOf<Grid2d>;

}  // namespace ctm::detail
