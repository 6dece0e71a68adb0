// BDM tables and objects (include/ctm/bdm.hpp): symbol arrays, partition names, and BdmTable, the
// K values of a table by block shape with packed keys, direct-indexed for small shapes.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>

#include "bdm/detail.hpp"
#include "ctm/bdm.hpp"
#include "ctm/data_dir.hpp"
#include "ctm/grid_key.hpp"
#include "ctm/table.hpp"

namespace ctm {

using namespace bdm_detail;

// ---------------------------------------------------------------------------------------------
// Objects and options

SymbolArray SymbolArray::sequence(const std::vector<uint8_t>& symbols) {
  SymbolArray a;
  a.rows = 1;
  a.cols = static_cast<int>(symbols.size());
  a.cells = symbols;
  return a;
}

SymbolArray SymbolArray::from_string(const std::string& s) {
  SymbolArray a;
  a.cols = static_cast<int>(s.size());
  a.cells.resize(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const int v = symbol_value(s[i]);
    if (v < 0) throw Error("character '" + std::string(1, s[i]) + "' at position " + std::to_string(i + 1) + " is not a symbol");
    a.cells[i] = static_cast<uint8_t>(v);
  }
  return a;
}

SymbolArray SymbolArray::grid(int rows, int cols, const std::vector<uint8_t>& row_major) {
  if (static_cast<size_t>(rows) * cols != row_major.size())
    throw Error("grid of " + std::to_string(rows) + "x" + std::to_string(cols) + " needs " +
                std::to_string(static_cast<size_t>(rows) * cols) + " cells, got " + std::to_string(row_major.size()));
  SymbolArray a;
  a.rows = rows;
  a.cols = cols;
  a.two_d = true;
  a.cells = row_major;
  return a;
}

Decomposition parse_decomposition(const std::string& name) {
  if (name == "ignore" || name == "trim") return Decomposition::ignore;
  if (name == "correlated" || name == "sliding") return Decomposition::correlated;
  if (name == "recursive") return Decomposition::recursive;
  if (name == "periodic" || name == "cyclic") return Decomposition::periodic;
  if (name == "acss") return Decomposition::acss;
  throw Error("unknown partition '" + name + "' (expected ignore, correlated, recursive, periodic or acss)");
}

std::string to_string(Decomposition d) {
  switch (d) {
    case Decomposition::ignore: return "ignore";
    case Decomposition::correlated: return "correlated";
    case Decomposition::recursive: return "recursive";
    case Decomposition::periodic: return "periodic";
    case Decomposition::acss: return "acss";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Tables

BdmTable::BdmTable(const KTable& kt, int symbols, bool two_d)
    : symbols_(symbols), bits_(bits_per_symbol(symbols)), two_d_(two_d), normalized_(kt.normalized), source_(kt.source) {
  if (symbols < 2 || symbols > 16) throw Error("BDM alphabet of " + std::to_string(symbols) + " symbols (expected 2..16)");
  std::map<std::pair<int, int>, Shape> by_shape;
  // 2D keys: a table with rows joined by '-' (docs/table-format.md, ctm blocks2d) names every shape,
  // and there a key without '-' is one row; in a table without any '-' (OACC, pybdm) keys are squares.
  bool row_keys = false;
  if (two_d)
    for (const auto& e : kt.k) row_keys |= e.first.find('-') != std::string::npos;
  for (const auto& [raw_key, k] : kt.k) {
    const bool has_rows = row_keys || raw_key.find('-') != std::string::npos;
    if (has_rows && !two_d) continue;
    std::string key;
    int rows = 1, cols = static_cast<int>(raw_key.size());
    if (has_rows) {
      const std::vector<std::string> parts = split_grid_key(raw_key);
      rows = static_cast<int>(parts.size());
      cols = static_cast<int>(parts[0].size());
      for (const auto& p : parts) key += p;
    } else {
      key = raw_key;
    }
    const int len = static_cast<int>(key.size());
    if (len * bits_ > kBlockKeyBits) continue;
    if (two_d && !has_rows) {
      const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(len))));
      if (side * side != len) continue;
      rows = cols = side;
    }
    bool in_alphabet = true;
    for (char c : key) in_alphabet &= symbol_value(c) >= 0 && symbol_value(c) < symbols;
    if (!in_alphabet) {
      if (normalized_) continue;  // a normalised key with more symbols than this alphabet allows
      throw Error("table '" + kt.source + "' has key '" + key + "' outside the alphabet 0.." + std::to_string(symbols - 1));
    }
    Shape& s = by_shape[{rows, cols}];
    s.rows = rows;
    s.cols = cols;
    s.keys.emplace_back(pack(key), k);
  }
  if (by_shape.empty())
    throw Error("table '" + kt.source + "' has no " + (two_d ? std::string("square 2D") : std::string("1D")) + " blocks over " +
                std::to_string(symbols) + " symbols");
  for (auto& [rc, s] : by_shape) {
    s.max_k = -std::numeric_limits<double>::infinity();
    s.min_k = std::numeric_limits<double>::infinity();
    for (const auto& e : s.keys) { s.max_k = std::max(s.max_k, e.second); s.min_k = std::min(s.min_k, e.second); }
    const int key_bits = s.cells() * bits_;
    // Hash over the stored keys (kept for every shape: the direct array is built from it).
    auto hashed = std::make_shared<FlatMap<double>>(s.keys.size());
    for (const auto& [key, k] : s.keys) (*hashed)[key] = k;
    s.hashed = std::move(hashed);
    if (key_bits <= kDirectBits) {
      s.direct = true;
      s.k_direct.assign(size_t{1} << key_bits, kNaN);
      for (uint64_t code = 0; code < (1ull << key_bits); ++code) {
        bool valid = true;
        for (int i = 0; i < s.cells() && valid; ++i) valid = digit_at(code, i, s.cells(), bits_) < static_cast<unsigned>(symbols);
        if (!valid) continue;
        double k = lookup_hashed(s, code);
        if (std::isnan(k)) k = lookup_hashed(s, normalize_packed(code, s.cells()));
        s.k_direct[code] = k;
      }
    }
    shapes_.push_back(std::move(s));
  }
}

double BdmTable::lookup_hashed(const Shape& s, uint64_t key) const {
  const double* k = s.hashed->find(key);
  return k ? *k : kNaN;
}

double BdmTable::k_of(int shape_index, uint64_t packed) const {
  const Shape& s = shapes_[shape_index];
  if (s.direct) return s.k_direct[packed];
  const double k = lookup_hashed(s, packed);
  return std::isnan(k) ? lookup_hashed(s, normalize_packed(packed, s.cells())) : k;
}

int BdmTable::shape_index(int rows, int cols) const {
  for (size_t i = 0; i < shapes_.size(); ++i)
    if (shapes_[i].rows == rows && shapes_[i].cols == cols) return static_cast<int>(i);
  return -1;
}

uint64_t BdmTable::pack(const std::string& s) const {
  uint64_t key = 0;
  for (char c : s) key = append_digit(key, static_cast<uint64_t>(symbol_value(c)), bits_);
  return key;
}

uint64_t BdmTable::normalize_packed(uint64_t packed, int cells) const {
  int map[16];
  for (int& m : map) m = -1;
  int next = 0;
  uint64_t out = 0;
  for (int i = 0; i < cells; ++i) {
    const unsigned v = digit_at(packed, i, cells, bits_);
    if (map[v] < 0) map[v] = next++;
    out = append_digit(out, static_cast<uint64_t>(map[v]), bits_);
  }
  return out;
}

namespace {
// A file in the shipped data folder.
std::string data_file(const std::string& name) {
  const std::string data = data_dir();  // $CTM_DATA_DIR, the install's share/ctm/data or the source tree's
  return data + "/" + name;
}
}  // namespace

std::string BdmTable::default_path(int symbols, bool two_d) {
  if (!two_d && symbols == 2) return data_file("d5-2.ctm");
  if (!two_d && symbols == 3) return data_file("d3-3.ctm");  // the engine's exact D(3,3)
  // pybdm's 4x4 table (every 4x4 block) until an exact one covers them all; the engine's own block
  // table of (4,2)_2D lacks 5,520 of them: named_path("engine-2d").
  if (two_d && symbols == 2) return data_file("pybdm-ctm-b2-d4x4.tsv.gz");
  // pybdm's published D(4,k) tables (sampled; docs/tables.md compares them with the engine's samples).
  if (!two_d && (symbols == 4 || symbols == 5 || symbols == 6 || symbols == 9))
    return data_file("pybdm-ctm-b" + std::to_string(symbols) + "-d12.tsv.gz");
  throw Error("no default table for " + std::string(two_d ? "2D" : "1D") + " blocks over " + std::to_string(symbols) +
              " symbols: give one with --table");
}

BdmTable BdmTable::load_default(int symbols, bool two_d) {
  const int k = symbols ? symbols : 2;
  if (two_d || k != 2) return load(default_path(k, two_d), symbols, two_d);
  const std::string engine = default_path(2, false), absent = data_file("pybdm-b2-d12-absent.csv");
  KTable kt = k_table_from(read_table(engine));
  for (const auto& [key, value] : import_k_table(absent).k) kt.k.emplace(key, value);  // only keys D(5,2) lacks
  BdmTable bt(kt, 2, false);
  bt.source_ = engine + " (ctm D(5,2) cutoff 500, K = -log2(count/H)) + " + absent + " (pybdm's K of its 2 absent strings)";
  return bt;
}

std::string BdmTable::named_path(const std::string& name) {
  if (name == "engine-2d") return data_file("ctm-2d-blocks-4x4.tsv.gz");
  if (name == "engine-1d") return default_path(2, false);
  if (name == "pybdm-2d") return default_path(2, true);
  return "";
}

BdmTable BdmTable::load(const std::string& path, int symbols, bool two_d) {
  auto mismatch = [&](int k) {
    return Error("table '" + path + "' is over " + std::to_string(k) + " symbols, not " + std::to_string(symbols) +
                 " (leave out --symbols to take k from the table)");
  };
  if (is_table_file(path)) {
    const Table t = read_table(path);
    const int dims = t.meta.space.dims;
    if (dims != (two_d ? 2 : 1))
      throw Error("table '" + path + "' is a " + std::to_string(dims) + "D table; " + (two_d ? "2D" : "1D") + " blocks need a " +
                  (two_d ? "2D" : "1D") + " table");
    const int k = symbols ? symbols : t.meta.space.symbols;
    if (k != t.meta.space.symbols) throw mismatch(t.meta.space.symbols);
    BdmTable bt(k_table_from(t), k, two_d);
    std::ostringstream src;
    src << path << " (ctm D" << t.meta.space.name() << " cutoff " << t.meta.cutoff << ", K = -log2(count/H))";
    bt.source_ = src.str();
    return bt;
  }
  const KTable kt = import_k_table(path);  // plain or gzip text
  // The table's own alphabet and dimension, from its keys: rows joined by '-' make a 2D table; so
  // do keys of square lengths only (OACC, pybdm); a key of another length without '-' is 1D.
  int table_k = 2;
  bool row_keys = false;
  const std::string* not_square = nullptr;
  size_t longest = 0;
  for (const auto& [key, v] : kt.k) {
    for (char c : key) table_k = std::max(table_k, symbol_value(c) + 1);
    longest = std::max(longest, key.size());
    if (key.find('-') != std::string::npos) {
      row_keys = true;
    } else if (!not_square) {
      const auto side = static_cast<size_t>(std::lround(std::sqrt(static_cast<double>(key.size()))));
      if (side * side != key.size()) not_square = &key;
    }
  }
  if (two_d && !row_keys && not_square)
    throw Error("table '" + path + "' is a 1D table (key '" + *not_square + "' is neither a square nor rows joined by '-'); " +
                "2D blocks need a 2D table");
  if (!two_d && row_keys) throw Error("table '" + path + "' is a 2D table (rows joined by '-'); 1D blocks need a 1D table");
  if (!two_d && !not_square && longest >= 4)  // keys of lengths 1, 4, 9, 16 only: square blocks
    throw Error("table '" + path + "' is a 2D table (every key is a square block); 1D blocks need a 1D table");
  if (symbols && symbols != table_k) throw mismatch(table_k);
  return BdmTable(kt, symbols ? symbols : table_k, two_d);
}

}  // namespace ctm
