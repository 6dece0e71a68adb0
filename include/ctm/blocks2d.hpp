// 2D block tables: K values of every h x w block (1 <= h, w <= max) derived from an exact 2D output
// table, either from whole outputs or from the sub-blocks of every output (docs/tables.md).
#pragma once
#include <map>
#include <string>
#include <utility>

#include "ctm/table_io.hpp"

namespace ctm {

enum class BlockMode {
  whole,  // D(b) proportional to the count of outputs equal to b
  sub,    // each output o of count c adds c x (occurrences of b as a contiguous sub-array of o) to b
};
BlockMode parse_block_mode(const std::string& name);  // "whole" | "sub" (throws ctm::Error)
std::string to_string(BlockMode m);

// Exact block counts by shape (rows, cols); keys are rows top to bottom joined by '-' (concrete,
// not normalised). Throws ctm::Error for a 1D table or max sides outside 1..8.
struct BlockCounts {
  std::map<std::pair<int, int>, std::map<std::string, count_t>> by_shape;
  count_t total(int rows, int cols) const;  // sum of the counts of one shape (0 when absent)
};
BlockCounts block_counts(const Table& table, int max_rows, int max_cols, BlockMode mode);

// K = -log2(count / total of its shape), so each shape's D sums to 1. Source names the table.
KTable block_k_table(const Table& table, int max_rows, int max_cols, BlockMode mode);

// Writes "key<TAB>K" rows (shape by shape, keys sorted) after '#' comment lines; gzip when the
// path ends in ".gz". K is printed with 17 significant digits.
void write_block_table(const KTable& table, const std::string& path, const std::string& comment);

}  // namespace ctm
