// Keys of 2D outputs (docs/table-format.md): the rows of the bounding rectangle, top to bottom, joined
// by '-' ("010-111" is 2 rows of 3 cells). 1D keys never contain '-', so the two kinds cannot collide.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ctm {

std::string join_grid_key(const std::vector<std::string>& rows);
// The text key of a packed 2D output (pack_grid_output in tm2d.hpp), symbols of `bits` bits.
std::string grid_key_of_packed(uint64_t key, int bits);
// Splits a key into rows; throws ctm::Error when the rows are empty or of different lengths.
std::vector<std::string> split_grid_key(const std::string& key);
// The array turned a quarter clockwise (an H x W array becomes W x H).
std::string rotate_grid_key(const std::string& key);
// Rows in reverse order (reflection top-bottom).
std::string reflect_grid_key(const std::string& key);
// Symbols a and b exchanged (blank symmetry); '-' is kept.
std::string swap_symbols(const std::string& key, int a, int b);

}  // namespace ctm
