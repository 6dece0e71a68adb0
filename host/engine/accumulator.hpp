// Per-thread accumulation of tree leaves before symmetrisation: output counts on blank 0 keyed by a
// packed integer (short outputs) or a string (long ones), plus run statistics. Internal to host/.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ctm/table.hpp"
#include "core/tree_walk.hpp"

namespace ctm::detail {

// Open-addressing map from a non-zero 64-bit key to an exact count; grows at 50% load.
class FlatCountMap {
 public:
  FlatCountMap() { rehash(1u << 12); }
  void add(uint64_t key, count_t value) {
    size_t i = slot(key);
    while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask_;
    if (keys_[i] == 0) {
      keys_[i] = key;
      if (++size_ * 2 > keys_.size()) { values_[i] += value; rehash(keys_.size() * 2); return; }
    }
    values_[i] += value;
  }
  template <class F> void for_each(F&& f) const {
    for (size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i]) f(keys_[i], values_[i]);
  }
  size_t size() const { return size_; }

 private:
  size_t slot(uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull >> 20) & mask_; }
  void rehash(size_t capacity) {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<count_t> old_values = std::move(values_);
    keys_.assign(capacity, 0);
    values_.assign(capacity, 0);
    mask_ = capacity - 1;
    size_ = 0;
    for (size_t i = 0; i < old_keys.size(); ++i)
      if (old_keys[i]) {
        size_t j = slot(old_keys[i]);
        while (keys_[j] != 0) j = (j + 1) & mask_;
        keys_[j] = old_keys[i];
        values_[j] = old_values[i];
        ++size_;
      }
  }
  std::vector<uint64_t> keys_;
  std::vector<count_t> values_;
  size_t mask_ = 0, size_ = 0;
};

// Leaves of the tree on blank 0, before the mirror and blank symmetries are applied.
struct Accumulator {
  explicit Accumulator(int symbols, uint32_t cutoff);

  // Counts an output: cells[0..len), with cells[head] replaced by head_value.
  void add_output(const uint8_t* cells, int len, int head, uint8_t head_value, count_t weight) {
    if (const uint64_t key = pack_output(cells, len, head, head_value, bits_)) {
      packed.add(key, weight);
    } else {
      std::string s(len, '0');
      for (int i = 0; i < len; ++i) s[i] = symbol_char(i == head ? head_value : cells[i]);
      long_outputs[s] += weight;
    }
  }
  void add_packed(uint64_t key, count_t weight) { packed.add(key, weight); }
  void merge(const Accumulator& other);
  // All outputs as strings with their counts.
  std::unordered_map<std::string, count_t> outputs() const;

  int symbols;
  FlatCountMap packed;
  std::unordered_map<std::string, count_t> long_outputs;
  count_t halting = 0, proved = 0, cutoff_runs = 0;
  std::vector<count_t> halt_time;
  uint64_t nodes = 0, steps = 0;
  WalkStats walk;  // step and proof accounting of the walks that filled it

 private:
  int bits_ = 1;
};

}  // namespace ctm::detail
