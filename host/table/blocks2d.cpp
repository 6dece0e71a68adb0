// 2D block tables from exact 2D output tables (include/ctm/blocks2d.hpp): exact 128-bit block counts
// per shape from whole outputs or from every contiguous sub-array, then K normalised per shape.
#include "ctm/blocks2d.hpp"

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unordered_map>
#include <vector>

#include "core/keys.hpp"
#include "ctm/grid_key.hpp"
#include "ctm/output_file.hpp"
#include "ctm/table.hpp"

namespace ctm {

namespace {

constexpr int kDirectBits = 20;  // shapes with at most 2^20 packed keys are counted in a flat array

long double to_long_double(count_t v) {
  return static_cast<long double>(static_cast<uint64_t>(v >> 64)) * 18446744073709551616.0L +
         static_cast<long double>(static_cast<uint64_t>(v));
}

// Counts of one shape by packed key (first cell in the most significant digit).
struct ShapeCounter {
  int rows = 0, cols = 0;
  bool direct = false;
  std::vector<count_t> flat;
  std::unordered_map<uint64_t, count_t> hashed;
  void add(uint64_t key, count_t c) {
    if (direct) flat[key] += c;
    else hashed[key] += c;
  }
};

std::string unpack(uint64_t key, int rows, int cols, int bits) {
  uint8_t cells[64];
  unpack_digits(key, rows * cols, bits, cells);
  std::vector<std::string> out(rows, std::string(cols, '0'));
  for (int i = 0; i < rows * cols; ++i) out[i / cols][i % cols] = symbol_char(cells[i]);
  return join_grid_key(out);
}

}  // namespace

BlockMode parse_block_mode(const std::string& name) {
  if (name == "whole") return BlockMode::whole;
  if (name == "sub") return BlockMode::sub;
  throw Error("unknown block mode '" + name + "' (expected whole or sub)");
}

std::string to_string(BlockMode m) { return m == BlockMode::whole ? "whole" : "sub"; }

count_t BlockCounts::total(int rows, int cols) const {
  count_t t = 0;
  const auto it = by_shape.find({rows, cols});
  if (it != by_shape.end())
    for (const auto& [key, c] : it->second) t += c;
  return t;
}

BlockCounts block_counts(const Table& table, int max_rows, int max_cols, BlockMode mode) {
  const Space& sp = table.meta.space;
  if (sp.dims != 2) throw Error("block table: table of " + sp.name() + " is not a 2D table");
  if (max_rows < 1 || max_cols < 1 || max_rows > 8 || max_cols > 8)
    throw Error("block table: largest block " + std::to_string(max_rows) + "x" + std::to_string(max_cols) +
                " (expected sides 1..8)");
  const int bits = bits_per_symbol(sp.symbols);
  if (max_rows * max_cols * bits > 64)
    throw Error("block table: blocks of " + std::to_string(max_rows) + "x" + std::to_string(max_cols) + " over " +
                std::to_string(sp.symbols) + " symbols do not fit 64-bit keys");
  std::vector<ShapeCounter> shapes;
  for (int h = 1; h <= max_rows; ++h)
    for (int w = 1; w <= max_cols; ++w) {
      ShapeCounter s;
      s.rows = h;
      s.cols = w;
      s.direct = h * w * bits <= kDirectBits;
      if (s.direct) s.flat.assign(size_t{1} << (h * w * bits), 0);
      shapes.push_back(std::move(s));
    }
  std::vector<uint8_t> grid;
  for (const auto& [key, c] : table.counts) {
    std::vector<std::string> rows;
    try {
      rows = split_grid_key(key);
    } catch (const Error& e) {
      throw Error("block table: output '" + key + "': " + e.what());
    }
    const int R = static_cast<int>(rows.size()), C = static_cast<int>(rows[0].size());
    grid.resize(static_cast<size_t>(R) * C);
    for (int r = 0; r < R; ++r)
      for (int col = 0; col < C; ++col) {
        const int v = symbol_value(rows[r][col]);
        if (v < 0 || v >= sp.symbols)
          throw Error("block table: output '" + key + "' has a symbol outside 0.." + std::to_string(sp.symbols - 1));
        grid[static_cast<size_t>(r) * C + col] = static_cast<uint8_t>(v);
      }
    for (ShapeCounter& s : shapes) {
      if (s.rows > R || s.cols > C) continue;
      if (mode == BlockMode::whole && (s.rows != R || s.cols != C)) continue;
      for (int r0 = 0; r0 + s.rows <= R; ++r0)
        for (int c0 = 0; c0 + s.cols <= C; ++c0) {
          uint64_t packed = 0;
          for (int i = 0; i < s.rows; ++i)
            for (int j = 0; j < s.cols; ++j) packed = append_digit(packed, grid[static_cast<size_t>(r0 + i) * C + c0 + j], bits);
          s.add(packed, c);  // once per occurrence: c x occurrences in all
        }
    }
  }
  BlockCounts out;
  for (const ShapeCounter& s : shapes) {
    auto& dst = out.by_shape[{s.rows, s.cols}];
    if (s.direct) {
      for (uint64_t k = 0; k < s.flat.size(); ++k)
        if (s.flat[k]) dst[unpack(k, s.rows, s.cols, bits)] = s.flat[k];
    } else {
      for (const auto& [k, c] : s.hashed) dst[unpack(k, s.rows, s.cols, bits)] = c;
    }
    if (dst.empty()) out.by_shape.erase({s.rows, s.cols});
  }
  return out;
}

KTable block_k_table(const Table& table, int max_rows, int max_cols, BlockMode mode) {
  const BlockCounts bc = block_counts(table, max_rows, max_cols, mode);
  KTable kt;
  kt.source = "ctm blocks2d of " + table.meta.space.name() + " cutoff " + std::to_string(table.meta.cutoff) + ", blocks up to " +
              std::to_string(max_rows) + "x" + std::to_string(max_cols) + ", " + to_string(mode) +
              (mode == BlockMode::whole ? " outputs" : "-blocks") + ", K = -log2(count / total of the shape)";
  for (const auto& [shape, counts] : bc.by_shape) {
    const long double total = std::log2(to_long_double(bc.total(shape.first, shape.second)));
    for (const auto& [key, c] : counts) kt.k[key] = static_cast<double>(total - std::log2(to_long_double(c)));
  }
  return kt;
}

void write_block_table(const KTable& table, const std::string& path, const std::string& comment) {
  // Shape by shape (rows, then columns), keys sorted within a shape.
  std::map<std::pair<int, int>, std::vector<std::pair<std::string, double>>> by_shape;
  for (const auto& [key, k] : table.k) {
    const std::vector<std::string> rows = split_grid_key(key);
    by_shape[{static_cast<int>(rows.size()), static_cast<int>(rows[0].size())}].emplace_back(key, k);
  }
  std::string text;
  size_t start = 0;
  while (start <= comment.size() && !comment.empty()) {
    const size_t end = comment.find('\n', start);
    text += "# " + comment.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  char buf[64];
  for (const auto& [shape, rows] : by_shape)
    for (const auto& [key, k] : rows) {
      std::snprintf(buf, sizeof buf, "\t%.17g\n", k);
      text += key;
      text += buf;
    }
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  write_output_file(path, gz ? gzip_bytes(text) : text, "block table");
}

}  // namespace ctm
