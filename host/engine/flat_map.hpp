// The one host flat hash map: 64-bit keys (any value but ~0: packed outputs, block keys) to V, open
// addressing with linear probing at load <= 1/2, iteration in insertion order. Used by the CPU
// accumulator (packed outputs -> exact counts) and by BDM (block counts, K lookups). Internal to host/.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ctm::detail {

constexpr uint64_t kEmpty = ~0ull;

inline uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

// Map from 64-bit keys (any value but ~0) to V: open addressing with linear probing, load <= 1/2.
// Remembers the used slots, so clear() costs what was inserted, and iterates in insertion order.
template <class V>
class FlatMap {
 public:
  explicit FlatMap(size_t expected = 512) {
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    keys_.assign(cap, kEmpty);
    vals_.assign(cap, V{});
  }
  // The value of `key`, inserted as V{} when absent.
  V& operator[](uint64_t key) {
    if ((used_.size() + 1) * 2 > keys_.size()) grow();
    const size_t i = probe(key);
    if (keys_[i] == kEmpty) {
      keys_[i] = key;
      vals_[i] = V{};
      used_.push_back(i);
    }
    return vals_[i];
  }
  // The value of `key`, or nullptr.
  const V* find(uint64_t key) const {
    const size_t i = probe(key);
    return keys_[i] == kEmpty ? nullptr : &vals_[i];
  }
  // Adds `v` to the value of `key` (counts).
  void add(uint64_t key, const V& v) { (*this)[key] += v; }
  // f(key, value) for every key, in insertion order.
  template <class F> void for_each(F&& f) const {
    for (size_t i : used_) f(keys_[i], vals_[i]);
  }
  void clear() {
    for (size_t i : used_) keys_[i] = kEmpty;
    used_.clear();
  }
  size_t size() const { return used_.size(); }

 private:
  std::vector<uint64_t> keys_;
  std::vector<V> vals_;
  std::vector<size_t> used_;
  size_t probe(uint64_t key) const {
    const size_t mask = keys_.size() - 1;
    size_t i = mix(key) & mask;
    while (keys_[i] != kEmpty && keys_[i] != key) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<uint64_t> ok = std::move(keys_);
    std::vector<V> ov = std::move(vals_);
    std::vector<size_t> ou = std::move(used_);
    keys_.assign(ok.size() * 2, kEmpty);
    vals_.assign(ok.size() * 2, V{});
    used_.clear();
    for (size_t i : ou) (*this)[ok[i]] = ov[i];
  }
};

}  // namespace ctm::detail
