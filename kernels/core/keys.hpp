// Every packed-key encoding of ctm in one place, each with its decoder (CTM_HD, C++17: host and nvcc).
// The body of every key is a digit string: cells as `bits`-bit digits, first cell most significant;
// the encodings differ only in the header above the digits. Round trips: tests/test_keys.cpp.
#pragma once
#include <cstdint>
#include <cstring>

#include "core/hd.hpp"

namespace ctm {

// Bits per symbol of a k-symbol alphabet (1 for k <= 2, 2 for k <= 4, ...).
CTM_HD int bits_per_symbol(int k) {
  int bits = 1;
  while ((1 << bits) < k) ++bits;
  return bits;
}

// ---- Digit strings (the shared body) ----

CTM_HD uint64_t digit_mask(int bits) { return (uint64_t{1} << bits) - 1; }
CTM_HD uint64_t append_digit(uint64_t key, uint64_t digit, int bits) { return key << bits | digit; }
// Shift of digit i (0 = first cell) of a string of `cells` digits.
CTM_HD int digit_shift(int i, int cells, int bits) { return (cells - 1 - i) * bits; }
CTM_HD unsigned digit_at(uint64_t key, int i, int cells, int bits) {
  return static_cast<unsigned>(key >> digit_shift(i, cells, bits) & digit_mask(bits));
}
// cells[0..n) as digits; the caller keeps n * bits <= 64.
CTM_HD uint64_t pack_digits(const uint8_t* cells, int n, int bits) {
  uint64_t key = 0;
  for (int i = 0; i < n; ++i) key = append_digit(key, cells[i], bits);
  return key;
}
CTM_HD void unpack_digits(uint64_t key, int n, int bits, uint8_t* out) {
  for (int i = n - 1; i >= 0; --i, key >>= bits) out[i] = static_cast<uint8_t>(key & digit_mask(bits));
}

// ---- 1D output key (the enumerators' and samplers' leaves) ----
// Length in the top 6 bits, digits below; never 0 for a packed output (length >= 1). Injective over
// the 1D outputs of one alphabet; it shares values with grid keys, so the two never meet in one map.
constexpr int kOutputDigitBits = 58;

// Packs cells[0..len), with cells[head] replaced by head_value. Returns 0 when it does not fit
// (len * bits > 58); such outputs take the long-output path of a sink.
CTM_HD uint64_t pack_output(const uint8_t* cells, int len, int head, uint8_t head_value, int bits) {
  if (len * bits > kOutputDigitBits) return 0;
#if !defined(__CUDA_ARCH__)
  if (bits == 1) {
    // Two symbols on the host: 8 cells a step (bit 0 of each byte, gathered by one multiplication,
    // first cell highest), then the head's digit set.
    uint64_t digits = 0;
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      uint64_t x;
      std::memcpy(&x, cells + i, sizeof x);
      x = __builtin_bswap64(x & 0x0101010101010101ull);
      digits = digits << 8 | (x * 0x0102040810204080ull) >> 56;
    }
    for (; i < len; ++i) digits = digits << 1 | (cells[i] & 1u);
    const int shift = digit_shift(head, len, 1);
    digits = (digits & ~(uint64_t{1} << shift)) | static_cast<uint64_t>(head_value) << shift;
    return static_cast<uint64_t>(len) << kOutputDigitBits | digits;
  }
#endif
  uint64_t digits = 0;
  for (int i = 0; i < len; ++i) digits = append_digit(digits, i == head ? head_value : cells[i], bits);
  return static_cast<uint64_t>(len) << kOutputDigitBits | digits;
}
CTM_HD int output_key_length(uint64_t key) { return static_cast<int>(key >> kOutputDigitBits); }
// Writes the output's output_key_length(key) symbols to out.
CTM_HD void unpack_output(uint64_t key, int bits, uint8_t* out) { unpack_digits(key, output_key_length(key), bits, out); }

// ---- 2D grid key (2D leaves; grid_key_of_packed() in grid_key.hpp gives the text key) ----
// Top bit set, height and width in 6 bits each, cells row-major below; injective over 2D outputs of
// one alphabet (the shape is in the header).
constexpr int kGridDigitBits = 51;
constexpr int kGridMaxSide = 63;

// The box of r (a RunState2d of tm2d.hpp), cell (r.x, r.y) replaced by head_value, rows bottom to top
// when `reflect`. 0 when the cells do not fit in 51 bits (such outputs are keyed by their text).
template <class GridT, class RunT>
CTM_HD uint64_t pack_grid_output(const GridT& g, const RunT& r, uint8_t head_value, bool reflect, int bits) {
  const int h = r.y_hi - r.y_lo + 1, w = r.x_hi - r.x_lo + 1;
  if (h > kGridMaxSide || w > kGridMaxSide || h * w * bits > kGridDigitBits) return 0;
  uint64_t digits = 0;
  for (int i = 0; i < h; ++i) {
    const int32_t y = reflect ? r.y_hi - i : r.y_lo + i;
    for (int32_t x = r.x_lo; x <= r.x_hi; ++x) digits = append_digit(digits, (x == r.x && y == r.y) ? head_value : g.at(x, y), bits);
  }
  return uint64_t{1} << 63 | static_cast<uint64_t>(h) << 57 | static_cast<uint64_t>(w) << kGridDigitBits | digits;
}
CTM_HD int grid_key_height(uint64_t key) { return static_cast<int>(key >> 57 & 63); }
CTM_HD int grid_key_width(uint64_t key) { return static_cast<int>(key >> kGridDigitBits & 63); }
// Writes the height * width cells, row-major, to out.
CTM_HD void unpack_grid_output(uint64_t key, int bits, uint8_t* out) {
  unpack_digits(key, grid_key_height(key) * grid_key_width(key), bits, out);
}

// ---- Block keys (BDM blocks and 2D block tables): digits only, the shape known apart ----
// At most 56 digit bits, so a shape index fits above them (tagged keys, one map for all shapes).
constexpr int kBlockKeyBits = 56;
CTM_HD uint64_t tag_block_key(int shape, uint64_t key) { return static_cast<uint64_t>(shape) << kBlockKeyBits | key; }
CTM_HD int tagged_shape(uint64_t tagged) { return static_cast<int>(tagged >> kBlockKeyBits); }
CTM_HD uint64_t tagged_block_key(uint64_t tagged) { return tagged & ((uint64_t{1} << kBlockKeyBits) - 1); }

// ---- Binary output key (the collapse simulator's symbolic learner) ----
// A sentinel bit above the cells, cell i in bit i: (1 << len) | bits, len <= 63; 0 = no output (did
// not halt). Injective over binary strings of length 0..63.
CTM_HD uint64_t pack_binary_output(const uint8_t* cells, int len) {
  uint64_t key = uint64_t{1} << len;
  for (int i = 0; i < len; ++i) key |= static_cast<uint64_t>(cells[i] & 1u) << i;
  return key;
}
CTM_HD int binary_output_length(uint64_t key) {  // -1 for 0 (no output)
  if (key == 0) return -1;
  int len = 63;
  while (!(key >> len & 1u)) --len;
  return len;
}
CTM_HD unsigned binary_output_cell(uint64_t key, int i) { return static_cast<unsigned>(key >> i & 1u); }

}  // namespace ctm
