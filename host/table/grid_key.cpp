// 2D output keys: joining, splitting, rotation, reflection, symbol exchange (see grid_key.hpp).
#include "ctm/grid_key.hpp"

#include "core/keys.hpp"
#include "ctm/types.hpp"

namespace ctm {

std::string join_grid_key(const std::vector<std::string>& rows) {
  std::string key;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) key += '-';
    key += rows[i];
  }
  return key;
}

std::string grid_key_of_packed(uint64_t key, int bits) {
  const int h = grid_key_height(key), w = grid_key_width(key);
  uint8_t cells[kGridDigitBits];
  unpack_grid_output(key, bits, cells);
  std::string out(static_cast<size_t>(h) * (w + 1) - 1, '-');
  for (int i = 0; i < h; ++i)
    for (int j = 0; j < w; ++j) out[static_cast<size_t>(i) * (w + 1) + j] = symbol_char(cells[i * w + j]);
  return out;
}

std::vector<std::string> split_grid_key(const std::string& key) {
  std::vector<std::string> rows(1);
  for (char c : key) {
    if (c == '-') rows.emplace_back(); else rows.back() += c;
  }
  for (const auto& r : rows)
    if (r.empty() || r.size() != rows[0].size()) throw Error("not a 2D key (rows of equal length joined by '-'): '" + key + "'");
  return rows;
}

std::string rotate_grid_key(const std::string& key) {
  const std::vector<std::string> rows = split_grid_key(key);
  const size_t h = rows.size(), w = rows[0].size();
  std::vector<std::string> out(w, std::string(h, '0'));
  for (size_t i = 0; i < w; ++i)
    for (size_t j = 0; j < h; ++j) out[i][j] = rows[h - 1 - j][i];
  return join_grid_key(out);
}

std::string reflect_grid_key(const std::string& key) {
  std::vector<std::string> rows = split_grid_key(key);
  return join_grid_key(std::vector<std::string>(rows.rbegin(), rows.rend()));
}

std::string swap_symbols(const std::string& key, int a, int b) {
  std::string out = key;
  const char ca = symbol_char(a), cb = symbol_char(b);
  for (char& c : out) c = c == ca ? cb : (c == cb ? ca : c);
  return out;
}

}  // namespace ctm
