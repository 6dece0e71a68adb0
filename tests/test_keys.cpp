// Round trips and injectivity of every packed-key encoding in kernels/core/keys.hpp, and of the host
// decoders built on them (Accumulator::outputs, grid_key_of_packed), for every alphabet k = 2..16.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/keys.hpp"
#include "core/tm2d.hpp"
#include "ctm/grid_key.hpp"
#include "engine/accumulator.hpp"

namespace ctm {
namespace {

// Calls f(cells) for every string of `len` symbols over 0..k-1 (odometer order).
template <class F>
void for_each_string(int k, int len, F&& f) {
  std::vector<uint8_t> cells(len, 0);
  for (;;) {
    f(cells);
    int i = len - 1;
    while (i >= 0 && ++cells[i] == k) cells[i--] = 0;
    if (i < 0) return;
  }
}

// Longest length whose k^len strings are at most `cap`.
int max_len_for(int k, uint64_t cap) {
  int len = 0;
  for (uint64_t n = k; n <= cap; n *= k) ++len;
  return len;
}

std::string text_of(const std::vector<uint8_t>& cells) {
  std::string s;
  for (uint8_t c : cells) s += symbol_char(c);
  return s;
}

TEST(Keys, BitsPerSymbolIsTheSmallestWidthHoldingEverySymbol) {
  const int expected[17] = {0, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4};
  for (int k = 1; k <= 16; ++k) EXPECT_EQ(bits_per_symbol(k), expected[k]) << "k=" << k;
}

TEST(Keys, DigitStringsRoundTrip) {
  for (int k = 2; k <= 16; ++k) {
    const int bits = bits_per_symbol(k);
    for (int len = 1; len <= max_len_for(k, 4096) && len * bits <= 64; ++len) {
      std::set<uint64_t> seen;
      for_each_string(k, len, [&](const std::vector<uint8_t>& cells) {
        const uint64_t key = pack_digits(cells.data(), len, bits);
        std::vector<uint8_t> back(len);
        unpack_digits(key, len, bits, back.data());
        ASSERT_EQ(back, cells) << "k=" << k;
        for (int i = 0; i < len; ++i) {
          ASSERT_EQ(digit_at(key, i, len, bits), cells[i]);
          ASSERT_EQ(key >> digit_shift(i, len, bits) & digit_mask(bits), cells[i]);
        }
        seen.insert(key);
      });
      uint64_t strings = 1;
      for (int i = 0; i < len; ++i) strings *= k;
      EXPECT_EQ(seen.size(), strings) << "k=" << k << " len=" << len;  // injective per length
    }
  }
  // A full 64-bit string (16 digits of 4 bits) keeps its first digit.
  std::vector<uint8_t> full(16);
  for (int i = 0; i < 16; ++i) full[i] = static_cast<uint8_t>(15 - i);
  std::vector<uint8_t> back(16);
  unpack_digits(pack_digits(full.data(), 16, 4), 16, 4, back.data());
  EXPECT_EQ(back, full);
}

TEST(Keys, OutputKeyRoundTripsAndIsInjectiveOverAllLengths) {
  for (int k = 2; k <= 16; ++k) {
    const int bits = bits_per_symbol(k), longest = kOutputDigitBits / bits;
    std::set<uint64_t> seen;
    uint64_t strings = 0;
    for (int len = 1; len <= std::min(longest, max_len_for(k, 4096)); ++len) {
      for_each_string(k, len, [&](const std::vector<uint8_t>& cells) {
        // The head's cell holds garbage: the head value replaces it.
        for (int head : {0, len - 1}) {
          std::vector<uint8_t> tape = cells;
          tape[head] = 0xee;
          const uint64_t key = pack_output(tape.data(), len, head, cells[head], bits);
          ASSERT_NE(key, 0u);
          ASSERT_EQ(output_key_length(key), len);
          std::vector<uint8_t> back(len);
          unpack_output(key, bits, back.data());
          ASSERT_EQ(back, cells) << "k=" << k;
          seen.insert(key);
        }
        ++strings;
      });
    }
    EXPECT_EQ(seen.size(), strings) << "k=" << k;  // lengths 1.. in one set: no two outputs share a key
    // Edge lengths: the longest that fits packs and decodes; one more cell does not pack.
    std::vector<uint8_t> cells(longest + 1);
    for (int i = 0; i <= longest; ++i) cells[i] = static_cast<uint8_t>((7 * i + 3) % k);
    const uint64_t key = pack_output(cells.data(), longest, 0, cells[0], bits);
    ASSERT_EQ(output_key_length(key), longest);
    std::vector<uint8_t> back(longest);
    unpack_output(key, bits, back.data());
    EXPECT_EQ(back, std::vector<uint8_t>(cells.begin(), cells.end() - 1));
    EXPECT_EQ(pack_output(cells.data(), longest + 1, 0, cells[0], bits), 0u) << "k=" << k;
  }
}

TEST(Keys, AccumulatorDecodesOutputKeys) {
  for (int k : {2, 3, 5, 16}) {
    const int bits = bits_per_symbol(k);
    detail::Accumulator acc(k, 10);
    std::vector<std::string> texts;
    for (int len : {1, 2, 3, kOutputDigitBits / bits}) {
      std::vector<uint8_t> cells(len);
      for (int i = 0; i < len; ++i) cells[i] = static_cast<uint8_t>((5 * i + len) % k);
      acc.add_packed(pack_output(cells.data(), len, 0, cells[0], bits), len);
      texts.push_back(text_of(cells));
    }
    const auto out = acc.outputs();
    ASSERT_EQ(out.size(), texts.size());
    for (const std::string& s : texts) EXPECT_EQ(out.at(s), static_cast<count_t>(s.size())) << s;
  }
}

// A 16 x 16 torus holding symbol (3x + 5y) mod k at (x, y), and the box [x_lo, x_lo + w) x [y_lo,
// y_lo + h) that starts left of and above the origin, so the box wraps around the torus.
struct GridCase {
  std::vector<uint8_t> cells = std::vector<uint8_t>(256);
  Grid g{cells.data(), 4};
  int k;
  explicit GridCase(int symbols) : k(symbols) {
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16; ++x) g.at(x, y) = static_cast<uint8_t>((3 * x + 5 * y) % k);
  }
  RunState2d box(int h, int w) const { return RunState2d{-1, -2, -2, -2 + w - 1, -3, -3 + h - 1, 0, 0}; }
  // Row i of the output (top to bottom, or bottom to top when reflected), head cell replaced.
  std::vector<std::string> rows(const RunState2d& r, uint8_t head_value, bool reflect) const {
    std::vector<std::string> out;
    for (int i = 0; i < box_height(r); ++i) {
      const int y = reflect ? r.y_hi - i : r.y_lo + i;
      std::string row;
      for (int x = r.x_lo; x <= r.x_hi; ++x) row += symbol_char(x == r.x && y == r.y ? head_value : g.at(x, y));
      out.push_back(row);
    }
    return out;
  }
};

TEST(Keys, GridKeyRoundTripsEveryShapeThatFits) {
  for (int k = 2; k <= 16; ++k) {
    const int bits = bits_per_symbol(k);
    const GridCase c(k);
    for (int h = 1; h <= 13; ++h)
      for (int w = 1; w <= 13; ++w) {
        const RunState2d r = c.box(h, w);
        const bool head_in = r.x <= r.x_hi && r.y <= r.y_hi;
        const uint8_t head_value = static_cast<uint8_t>(k - 1);
        for (bool reflect : {false, true}) {
          const uint64_t key = pack_grid_output(c.g, r, head_value, reflect, bits);
          if (h * w * bits > kGridDigitBits) {
            EXPECT_EQ(key, 0u) << "k=" << k << " " << h << "x" << w;
            continue;
          }
          ASSERT_NE(key >> 63, 0u);
          ASSERT_EQ(grid_key_height(key), h);
          ASSERT_EQ(grid_key_width(key), w);
          const std::vector<std::string> rows = c.rows(r, head_in ? head_value : 0, reflect);
          EXPECT_EQ(grid_key_of_packed(key, bits), join_grid_key(rows)) << "k=" << k << " " << h << "x" << w;
          std::vector<uint8_t> cells(h * w);
          unpack_grid_output(key, bits, cells.data());
          std::string flat;
          for (const auto& row : rows) flat += row;
          EXPECT_EQ(text_of(cells), flat);
        }
      }
  }
}

TEST(Keys, GridKeyIsInjectiveOverShapesAndCells) {
  // Every binary array of every shape with at most 12 cells (2^13 - 2 arrays of 1..12 cells, over
  // the shapes h x w) gets its own key: shapes with equal cell counts differ in the header.
  std::set<uint64_t> seen;
  uint64_t arrays = 0;
  std::vector<uint8_t> torus(256);
  for (int h = 1; h <= 12; ++h)
    for (int w = 1; h * w <= 12; ++w)
      for_each_string(2, h * w, [&](const std::vector<uint8_t>& cells) {
        const Grid g{torus.data(), 4};
        for (int i = 0; i < h * w; ++i) g.at(i % w, i / w) = cells[i];
        const RunState2d r{0, 0, 0, w - 1, 0, h - 1, 0, 0};
        seen.insert(pack_grid_output(g, r, cells[0], false, 1));
        ++arrays;
      });
  EXPECT_EQ(seen.size(), arrays);
  EXPECT_EQ(seen.count(0), 0u);
}

TEST(Keys, BlockKeysKeepTheirShapeWhenTagged) {
  const uint64_t widest = (uint64_t{1} << kBlockKeyBits) - 1;
  std::set<uint64_t> seen;
  for (int shape = 0; shape < 256; ++shape)
    for (uint64_t key : {uint64_t{0}, uint64_t{1}, uint64_t{0x5a5a5a}, widest}) {
      const uint64_t t = tag_block_key(shape, key);
      ASSERT_EQ(tagged_shape(t), shape);
      ASSERT_EQ(tagged_block_key(t), key);
      seen.insert(t);
    }
  EXPECT_EQ(seen.size(), 256u * 4);
}

TEST(Keys, BinaryOutputKeyRoundTripsAndIsInjective) {
  std::set<uint64_t> seen;
  uint64_t strings = 0;
  for (int len = 0; len <= 12; ++len)
    for_each_string(2, len, [&](const std::vector<uint8_t>& cells) {
      const uint64_t key = pack_binary_output(cells.data(), len);
      ASSERT_EQ(binary_output_length(key), len);
      for (int i = 0; i < len; ++i) ASSERT_EQ(binary_output_cell(key, i), cells[i]);
      seen.insert(key);
      ++strings;
    });
  EXPECT_EQ(seen.size(), strings);  // 2^13 - 1 strings of lengths 0..12
  EXPECT_EQ(seen.count(0), 0u);     // 0 stays free for "did not halt"
  EXPECT_EQ(binary_output_length(0), -1);
  std::vector<uint8_t> longest(63);
  for (int i = 0; i < 63; ++i) longest[i] = static_cast<uint8_t>(i % 3 == 0);
  const uint64_t key = pack_binary_output(longest.data(), 63);
  ASSERT_EQ(binary_output_length(key), 63);
  for (int i = 0; i < 63; ++i) EXPECT_EQ(binary_output_cell(key, i), longest[i]);
}

}  // namespace
}  // namespace ctm
