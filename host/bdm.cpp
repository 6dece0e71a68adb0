// BDM scoring (see include/ctm/bdm.hpp): table preparation with packed keys, the decompositions,
// counting with direct-indexed arrays or a flat hash, NBDM, entropy, perturbation and acss functions.
#include "ctm/bdm.hpp"
#include "ctm/data_dir.hpp"


#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "ctm/grid_key.hpp"
#include "ctm/table.hpp"

namespace ctm {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kDirectBits = 16;   // shapes with at most 2^16 packed keys are indexed directly
constexpr int kMaxKeyBits = 56;   // packed key bits; the shape index sits above them when counting
constexpr uint64_t kEmpty = ~0ull;

inline uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

int bits_for(int symbols) {
  int b = 1;
  while ((1 << b) < symbols) ++b;
  return b;
}

// k!/(k-u)!: concrete strings one normalised key with u distinct symbols stands for.
double arrangements(int k, int u) {
  double m = 1;
  for (int i = 0; i < u; ++i) m *= (k - i);
  return m;
}

int distinct_symbols(uint64_t packed, int cells, int bits) {
  uint32_t seen = 0;
  const uint64_t mask = (1ull << bits) - 1;
  for (int i = 0; i < cells; ++i) seen |= 1u << ((packed >> (i * bits)) & mask);
  return __builtin_popcount(seen);
}

// Counts of 64-bit keys, open addressing; remembers used slots so clearing costs what was used.
class FlatCount {
 public:
  FlatCount() { keys_.assign(1024, kEmpty); vals_.assign(1024, 0); }
  uint32_t& operator[](uint64_t key) {
    if ((used_.size() + 1) * 2 > keys_.size()) grow();
    size_t i = mix(key) & (keys_.size() - 1);
    while (keys_[i] != kEmpty && keys_[i] != key) i = (i + 1) & (keys_.size() - 1);
    if (keys_[i] == kEmpty) { keys_[i] = key; vals_[i] = 0; used_.push_back(i); }
    return vals_[i];
  }
  uint32_t get(uint64_t key) const {
    size_t i = mix(key) & (keys_.size() - 1);
    while (keys_[i] != kEmpty) {
      if (keys_[i] == key) return vals_[i];
      i = (i + 1) & (keys_.size() - 1);
    }
    return 0;
  }
  void clear() {
    for (size_t i : used_) keys_[i] = kEmpty;
    used_.clear();
  }

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;
  std::vector<size_t> used_;
  void grow() {
    std::vector<uint64_t> ok = std::move(keys_);
    std::vector<uint32_t> ov = std::move(vals_);
    std::vector<size_t> ou = std::move(used_);
    keys_.assign(ok.size() * 2, kEmpty);
    vals_.assign(ok.size() * 2, 0);
    used_.clear();
    for (size_t i : ou) (*this)[ok[i]] = ov[i];
  }
};


}  // namespace

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
    : symbols_(symbols), bits_(bits_for(symbols)), two_d_(two_d), normalized_(kt.normalized), source_(kt.source) {
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
    if (len * bits_ > kMaxKeyBits) continue;
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
    size_t cap = 16;
    while (cap < s.keys.size() * 2) cap *= 2;
    s.slots_key.assign(cap, kEmpty);
    s.slots_k.assign(cap, kNaN);
    for (const auto& [key, k] : s.keys) {
      size_t i = mix(key) & (cap - 1);
      while (s.slots_key[i] != kEmpty && s.slots_key[i] != key) i = (i + 1) & (cap - 1);
      s.slots_key[i] = key;
      s.slots_k[i] = k;
    }
    if (key_bits <= kDirectBits) {
      s.direct = true;
      s.k_direct.assign(size_t{1} << key_bits, kNaN);
      const uint64_t digit_mask = (1ull << bits_) - 1;
      for (uint64_t code = 0; code < (1ull << key_bits); ++code) {
        bool valid = true;
        for (int i = 0; i < s.cells() && valid; ++i) valid = ((code >> (i * bits_)) & digit_mask) < static_cast<uint64_t>(symbols);
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
  const size_t cap = s.slots_key.size();
  size_t i = mix(key) & (cap - 1);
  while (s.slots_key[i] != kEmpty) {
    if (s.slots_key[i] == key) return s.slots_k[i];
    i = (i + 1) & (cap - 1);
  }
  return kNaN;
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
  for (char c : s) key = (key << bits_) | static_cast<uint64_t>(symbol_value(c));
  return key;
}

uint64_t BdmTable::normalize_packed(uint64_t packed, int cells) const {
  int map[16];
  for (int& m : map) m = -1;
  int next = 0;
  uint64_t out = 0;
  const uint64_t mask = (1ull << bits_) - 1;
  for (int i = cells - 1; i >= 0; --i) {
    const int v = static_cast<int>((packed >> (i * bits_)) & mask);
    if (map[v] < 0) map[v] = next++;
    out = (out << bits_) | static_cast<uint64_t>(map[v]);
  }
  return out;
}

std::string BdmTable::default_path(int symbols, bool two_d) {
  const std::string data = data_dir();  // $CTM_DATA_DIR, the install's share/ctm/data or the source tree's
  if (!two_d && symbols == 2) return data + "/d5-2.ctm";
  if (two_d && symbols == 2) return data + "/ctm-2d-blocks-4x4.tsv.gz";  // ctm blocks2d of (4,2)_2D
  // pybdm's published D(4,k) tables (sampled; docs/tables.md compares them with the engine's samples).
  if (!two_d && (symbols == 4 || symbols == 5 || symbols == 6 || symbols == 9))
    return data + "/pybdm-ctm-b" + std::to_string(symbols) + "-d12.tsv.gz";
  throw Error("no default table for " + std::string(two_d ? "2D" : "1D") + " blocks over " + std::to_string(symbols) +
              " symbols: give one with --table");
}

BdmTable BdmTable::load(const std::string& path, int symbols, bool two_d) {
  if (is_table_file(path)) {
    const Table t = read_table(path);
    if (t.meta.space.dims != 1 && !two_d) throw Error("table '" + path + "' is not a 1D table");
    const int k = symbols ? symbols : t.meta.space.symbols;
    if (k != t.meta.space.symbols)
      throw Error("table '" + path + "' is over " + std::to_string(t.meta.space.symbols) + " symbols, not " + std::to_string(k));
    BdmTable bt(k_table_from(t), k, two_d);
    std::ostringstream src;
    src << path << " (ctm D" << t.meta.space.name() << " cutoff " << t.meta.cutoff << ", K = -log2(count/H))";
    bt.source_ = src.str();
    return bt;
  }
  const KTable kt = import_k_table(path);  // plain or gzip text
  int k = symbols;
  if (k == 0) {
    for (const auto& [key, v] : kt.k)
      for (char c : key) k = std::max(k, symbol_value(c) + 1);
    k = std::max(k, 2);
  }
  return BdmTable(kt, k, two_d);
}

// ---------------------------------------------------------------------------------------------
// Decomposition and counting

BdmScorer::BdmScorer(const BdmTable& table, BdmOptions options) : table_(table), opt_(options) {
  if (opt_.block_rows < 1 || opt_.block_cols < 1) throw Error("block shape must be positive");
  if (!table_.two_d() && opt_.block_rows != 1) throw Error("a 1D table needs a 1D block (rows = 1)");
  if (opt_.partition == Decomposition::acss && table_.two_d()) throw Error("the acss decomposition is 1D only");
  if (opt_.partition == Decomposition::recursive && opt_.block_rows != opt_.block_cols && table_.two_d())
    throw Error("the recursive decomposition needs square blocks");
  if (opt_.shift < 0 || opt_.delta < 0 || opt_.min_length < 1) throw Error("shift and delta must be >= 0, min-length >= 1");
  main_shape_ = table_.shape_index(opt_.block_rows, opt_.block_cols);
  if (main_shape_ < 0)
    throw Error("table '" + table_.source() + "' has no K values for blocks of " + std::to_string(opt_.block_rows) + "x" +
                std::to_string(opt_.block_cols));
  const BdmTable::Shape& s = table_.shape(main_shape_);
  if (s.direct) direct_counts_.assign(size_t{1} << (s.cells() * table_.bits()), 0);
  hash_keys_.assign(1024, kEmpty);
  hash_counts_.assign(1024, 0);
}

void BdmScorer::check(const SymbolArray& x) const {
  if (x.cells.empty()) throw Error("empty input");
  if (x.two_d != table_.two_d())
    throw Error(std::string("a ") + (x.two_d ? "2D array" : "1D sequence") + " needs a " + (x.two_d ? "2D" : "1D") + " table");
  if (static_cast<size_t>(x.rows) * x.cols != x.cells.size()) throw Error("array shape does not match its cells");
  for (size_t i = 0; i < x.cells.size(); ++i)
    if (x.cells[i] >= table_.symbols()) {
      std::string where = x.two_d ? "row " + std::to_string(i / x.cols + 1) + ", column " + std::to_string(i % x.cols + 1)
                                  : "position " + std::to_string(i + 1);
      throw Error("symbol " + std::to_string(x.cells[i]) + " at " + where + " is outside the alphabet 0.." +
                  std::to_string(table_.symbols() - 1));
    }
}

std::vector<BdmScorer::Block> BdmScorer::decompose(const SymbolArray& x) const {
  std::vector<Block> out;
  const int R = x.rows, C = x.cols, bh = opt_.block_rows, bw = opt_.block_cols;
  auto shape_of = [&](int h, int w) {
    const int s = table_.shape_index(h, w);
    if (s < 0)
      throw Error("table '" + table_.source() + "' has no K values for blocks of " + std::to_string(h) + "x" + std::to_string(w));
    return s;
  };
  switch (opt_.partition) {
    case Decomposition::ignore:
      for (int r = 0; r + bh <= R; r += bh)
        for (int c = 0; c + bw <= C; c += bw) out.push_back({r, c, bh, bw, main_shape_});
      break;
    case Decomposition::correlated: {
      const int step = opt_.shift ? opt_.shift : 1;
      for (int r = 0; r + bh <= R; r += (x.two_d ? step : 1))
        for (int c = 0; c + bw <= C; c += step) out.push_back({r, c, bh, bw, main_shape_});
      break;
    }
    case Decomposition::periodic: {
      const int sr = opt_.shift ? opt_.shift : bh, sc = opt_.shift ? opt_.shift : bw;
      for (int r = 0; r < R; r += (x.two_d ? sr : 1))
        for (int c = 0; c < C; c += sc) out.push_back({r, c, bh, bw, main_shape_});
      break;
    }
    case Decomposition::acss: {
      int s = 0;
      bool reached_end = false;
      for (const int step = opt_.delta ? opt_.delta : bw; s + bw <= C; s += step) {
        out.push_back({0, s, 1, bw, main_shape_});
        reached_end = s + bw == C;
      }
      if (!reached_end && s < C) out.push_back({0, s, 1, C - s, shape_of(1, C - s)});
      break;
    }
    case Decomposition::recursive: {
      // pybdm's rule: full blocks; a cut-off part is re-cut with square blocks of its smaller side.
      auto rec = [&](auto&& self, int r0, int c0, int h, int w, int side_r, int side_c) -> void {
        for (int r = 0; r < h; r += side_r)
          for (int c = 0; c < w; c += side_c) {
            const int ph = std::min(side_r, h - r), pw = std::min(side_c, w - c);
            if (ph == side_r && pw == side_c) {
              out.push_back({r0 + r, c0 + c, ph, pw, shape_of(ph, pw)});
              continue;
            }
            const int m = x.two_d ? std::min(ph, pw) : pw;
            if (m < opt_.min_length) continue;
            self(self, r0 + r, c0 + c, ph, pw, x.two_d ? m : 1, m);
          }
      };
      rec(rec, 0, 0, R, C, bh, bw);
      break;
    }
  }
  return out;
}

uint64_t BdmScorer::block_key(const SymbolArray& x, const Block& b) const {
  const int bits = table_.bits();
  uint64_t key = 0;
  const bool wrap = opt_.partition == Decomposition::periodic;
  for (int i = 0; i < b.h; ++i) {
    int r = b.r0 + i;
    if (wrap) r %= x.rows;
    const uint8_t* row = x.cells.data() + static_cast<size_t>(r) * x.cols;
    if (!wrap || b.c0 + b.w <= x.cols) {
      for (int j = 0; j < b.w; ++j) key = (key << bits) | row[b.c0 + j];
    } else {
      for (int j = 0; j < b.w; ++j) key = (key << bits) | row[(b.c0 + j) % x.cols];
    }
  }
  return key;
}

uint32_t* BdmScorer::hash_slot(uint64_t key) {
  if ((hash_used_.size() + 1) * 2 > hash_keys_.size()) {
    std::vector<uint64_t> ok = std::move(hash_keys_);
    std::vector<uint32_t> ov = std::move(hash_counts_);
    std::vector<uint64_t> ou = std::move(hash_used_);
    hash_keys_.assign(ok.size() * 2, kEmpty);
    hash_counts_.assign(ok.size() * 2, 0);
    hash_used_.clear();
    for (uint64_t i : ou) *hash_slot(ok[i]) = ov[i];
  }
  const size_t mask = hash_keys_.size() - 1;
  size_t i = mix(key) & mask;
  while (hash_keys_[i] != kEmpty && hash_keys_[i] != key) i = (i + 1) & mask;
  if (hash_keys_[i] == kEmpty) {
    hash_keys_[i] = key;
    hash_counts_[i] = 0;
    hash_used_.push_back(i);
  }
  return &hash_counts_[i];
}

void BdmScorer::clear_counts() {
  const uint64_t main_tag = static_cast<uint64_t>(main_shape_) << kMaxKeyBits;
  const uint64_t mask = (1ull << kMaxKeyBits) - 1;
  if (!direct_counts_.empty())
    for (uint64_t t : touched_)
      if ((t & ~mask) == main_tag) direct_counts_[t & mask] = 0;
  for (uint64_t i : hash_used_) hash_keys_[i] = kEmpty;
  hash_used_.clear();
  touched_.clear();
}

// Fills the counts (direct array for the main shape when small, hash otherwise); `touched_` lists
// the distinct (shape << 56 | key) in order of first occurrence, which fixes the summation order.
void BdmScorer::count_blocks(const SymbolArray& x) {
  clear_counts();
  const bool direct = !direct_counts_.empty();
  const uint64_t main_tag = static_cast<uint64_t>(main_shape_) << kMaxKeyBits;
  auto add = [&](int shape, uint64_t key) {
    if (direct && shape == main_shape_) {
      if (direct_counts_[key]++ == 0) touched_.push_back(main_tag | key);
    } else {
      const uint64_t tagged = (static_cast<uint64_t>(shape) << kMaxKeyBits) | key;
      uint32_t* c = hash_slot(tagged);
      if ((*c)++ == 0) touched_.push_back(tagged);
    }
  };
  const int L = opt_.block_cols, bits = table_.bits();
  const bool plain_1d = !x.two_d && (opt_.partition == Decomposition::ignore || opt_.partition == Decomposition::correlated);
  if (plain_1d) {
    // Hot path: keys straight from the sequence, a rolling key for unit shift.
    const uint8_t* p = x.cells.data();
    const int n = x.cols;
    const int step = opt_.partition == Decomposition::ignore ? L : (opt_.shift ? opt_.shift : 1);
    if (step == 1 && n >= L) {
      const uint64_t kmask = (L * bits >= 64) ? ~0ull : ((1ull << (L * bits)) - 1);
      uint64_t key = 0;
      for (int i = 0; i < L - 1; ++i) key = (key << bits) | p[i];
      for (int i = L - 1; i < n; ++i) {
        key = ((key << bits) | p[i]) & kmask;
        add(main_shape_, key);
      }
    } else {
      for (int s = 0; s + L <= n; s += step) {
        uint64_t key = 0;
        for (int j = 0; j < L; ++j) key = (key << bits) | p[s + j];
        add(main_shape_, key);
      }
    }
    return;
  }
  for (const Block& b : decompose(x)) add(b.shape, block_key(x, b));
}

template <class F>
void BdmScorer::for_each_count(F&& f) {
  const uint64_t mask = (1ull << kMaxKeyBits) - 1;
  const bool direct = !direct_counts_.empty();
  for (uint64_t t : touched_) {
    const int shape = static_cast<int>(t >> kMaxKeyBits);
    const uint64_t key = t & mask;
    uint32_t n;
    if (direct && shape == main_shape_) {
      n = direct_counts_[key];
    } else {
      size_t i = mix(t) & (hash_keys_.size() - 1);
      while (hash_keys_[i] != t) i = (i + 1) & (hash_keys_.size() - 1);
      n = hash_counts_[i];
    }
    f(shape, key, n);
  }
}

double BdmScorer::multiplicity(double n) const {
  return opt_.log_alphabet ? std::log(n) / std::log(static_cast<double>(table_.symbols())) : std::log2(n);
}

BdmResult BdmScorer::bdm(const SymbolArray& x) {
  check(x);
  count_blocks(x);
  BdmResult r;
  for_each_count([&](int shape, uint64_t key, uint32_t n) {
    double k = table_.k_of(shape, key);
    if (std::isnan(k)) {
      k = table_.shape(shape).max_k + 1;
      r.imputed += n;
    }
    r.bdm += k + multiplicity(n);
    r.blocks += n;
    ++r.distinct;
  });
  return r;
}

std::vector<std::pair<int, uint64_t>> BdmScorer::shape_histogram(const SymbolArray& x) const {
  std::vector<std::pair<int, uint64_t>> h;  // (shape, blocks) in order of first appearance
  for (const Block& b : decompose(x)) {
    auto it = std::find_if(h.begin(), h.end(), [&](auto& e) { return e.first == b.shape; });
    if (it == h.end()) h.emplace_back(b.shape, 1); else ++it->second;
  }
  return h;
}

namespace {

// The blocks of a shape in the order pybdm cycles through them for maxBDM: decreasing K (ties in
// table order), each normalised key repeated once per concrete block it stands for.
struct CycleEntry {
  double k;
  double copies;
};
std::vector<CycleEntry> cycle_order(const BdmTable& t, int shape) {
  const BdmTable::Shape& s = t.shape(shape);
  std::vector<CycleEntry> e;
  e.reserve(s.keys.size());
  for (const auto& [key, k] : s.keys)
    e.push_back({k, t.normalized() ? arrangements(t.symbols(), distinct_symbols(key, s.cells(), t.bits())) : 1.0});
  std::stable_sort(e.begin(), e.end(), [](const CycleEntry& a, const CycleEntry& b) { return a.k > b.k; });
  return e;
}

// Calls f(K, uses) for each concrete block used when `n` blocks are assigned cyclically.
template <class F>
void cycle_uses(const std::vector<CycleEntry>& order, uint64_t n, F&& f) {
  double total = 0;
  for (const auto& e : order) total += e.copies;
  const auto m = static_cast<uint64_t>(total);
  const uint64_t q = n / m, rem = n % m;
  uint64_t index = 0;
  for (const auto& e : order) {
    for (uint64_t c = 0; c < static_cast<uint64_t>(e.copies); ++c, ++index) {
      const uint64_t uses = q + (index < rem ? 1 : 0);
      if (uses == 0) return;
      f(e.k, uses);
    }
  }
}

}  // namespace

double BdmScorer::nbdm(const SymbolArray& x) {
  if (opt_.partition == Decomposition::correlated) throw Error("normalised BDM is not defined for the correlated partition");
  const double value = bdm(x).bdm;
  double min_bdm = 0, max_bdm = 0;
  for (const auto& [shape, n] : shape_histogram(x)) {
    min_bdm += table_.shape(shape).min_k + multiplicity(static_cast<double>(n));
    cycle_uses(cycle_order(table_, shape), n, [&](double k, uint64_t uses) { max_bdm += k + multiplicity(static_cast<double>(uses)); });
  }
  return (value - min_bdm) / (max_bdm - min_bdm);
}

double BdmScorer::entropy(const SymbolArray& x, bool normalized) {
  check(x);
  if (normalized && opt_.partition == Decomposition::correlated)
    throw Error("normalised entropy is not defined for the correlated partition");
  count_blocks(x);
  std::vector<uint32_t> counts;
  for_each_count([&](int, uint64_t, uint32_t n) { counts.push_back(n); });
  auto shannon = [](const std::vector<double>& c) {
    double total = 0, h = 0;
    for (double v : c) total += v;
    for (double v : c) { const double p = v / total; h -= p * std::log2(p); }
    return h;
  };
  const double h = shannon(std::vector<double>(counts.begin(), counts.end()));
  if (!normalized) return h;
  const auto hist = shape_histogram(x);
  std::vector<double> uses;
  for (const auto& [shape, n] : hist)
    cycle_uses(cycle_order(table_, shape), n, [&](double, uint64_t u) { uses.push_back(static_cast<double>(u)); });
  const double max_h = shannon(uses);
  const double min_h = std::log2(static_cast<double>(hist.size()));  // pybdm: each shape counted once
  return (h - min_h) / (max_h - min_h);
}

// ---------------------------------------------------------------------------------------------
// Batches and perturbation

std::vector<BatchScore> score_batch(const BdmTable& table, const BdmOptions& options, const std::vector<SymbolArray>& inputs,
                                    int what, int threads) {
  std::vector<BatchScore> out(inputs.size());
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(1, inputs.size() / 16)));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    BdmScorer scorer(table, options);
    constexpr size_t chunk = 64;
    for (size_t start; (start = next.fetch_add(chunk)) < inputs.size();) {
      for (size_t i = start; i < std::min(inputs.size(), start + chunk); ++i) {
        try {
          switch (what) {
            case 0: out[i].result = scorer.bdm(inputs[i]); out[i].value = out[i].result.bdm; break;
            case 1: out[i].value = scorer.nbdm(inputs[i]); out[i].result = scorer.bdm(inputs[i]); break;
            case 2: out[i].value = scorer.entropy(inputs[i], false); break;
            default: out[i].value = scorer.entropy(inputs[i], true); break;
          }
        } catch (const Error& e) {
          out[i].value = kNaN;
          out[i].error = e.what();
        }
      }
    }
  };
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  return out;
}

std::vector<double> perturbation_deltas(const BdmTable& table, const BdmOptions& options, const SymbolArray& x, int threads) {
  BdmScorer scorer(table, options);
  scorer.check(x);
  const int k = table.symbols(), bits = table.bits();
  const std::vector<BdmScorer::Block> blocks = scorer.decompose(x);
  std::vector<uint64_t> keys(blocks.size());
  for (size_t b = 0; b < blocks.size(); ++b) keys[b] = scorer.block_key(x, blocks[b]);
  // Cell -> (block, digit shift) lists, CSR; a block's entries for one cell are adjacent.
  const size_t n = x.size();
  std::vector<uint32_t> start(n + 1, 0);
  const bool wrap = options.partition == Decomposition::periodic;
  auto for_cells = [&](const BdmScorer::Block& b, auto&& f) {
    const int cells = b.h * b.w;
    for (int i = 0; i < b.h; ++i)
      for (int j = 0; j < b.w; ++j) {
        const int r = wrap ? (b.r0 + i) % x.rows : b.r0 + i, c = wrap ? (b.c0 + j) % x.cols : b.c0 + j;
        f(static_cast<size_t>(r) * x.cols + c, (cells - 1 - (i * b.w + j)) * bits);
      }
  };
  for (const auto& b : blocks) for_cells(b, [&](size_t cell, int) { ++start[cell + 1]; });
  for (size_t i = 0; i < n; ++i) start[i + 1] += start[i];
  std::vector<uint32_t> entry_block(start[n]);
  std::vector<uint8_t> entry_shift(start[n]);
  {
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (size_t b = 0; b < blocks.size(); ++b)
      for_cells(blocks[b], [&](size_t cell, int shift) {
        entry_block[fill[cell]] = static_cast<uint32_t>(b);
        entry_shift[fill[cell]++] = static_cast<uint8_t>(shift);
      });
  }
  FlatCount base;
  for (size_t b = 0; b < blocks.size(); ++b) ++base[(static_cast<uint64_t>(blocks[b].shape) << kMaxKeyBits) | keys[b]];
  const double log_scale = options.log_alphabet ? 1.0 / std::log2(static_cast<double>(k)) : 1.0;
  auto k_of = [&](uint64_t tagged) {
    const int shape = static_cast<int>(tagged >> kMaxKeyBits);
    const double v = table.k_of(shape, tagged & ((1ull << kMaxKeyBits) - 1));
    return std::isnan(v) ? table.shape(shape).max_k + 1 : v;
  };
  auto term = [&](uint64_t tagged, uint32_t c) { return c == 0 ? 0.0 : k_of(tagged) + std::log2(static_cast<double>(c)) * log_scale; };

  std::vector<double> delta(n * k, 0.0);
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(1, n / 4096)));
  auto worker = [&](size_t lo, size_t hi) {
    FlatCount counts = base;  // changed and restored per perturbation: integers, so exactly
    std::vector<std::pair<uint64_t, int>> changes;  // (tagged key, +1/-1) to undo
    for (size_t cell = lo; cell < hi; ++cell) {
      const int own = x.cells[cell];
      for (int s = 0; s < k; ++s) {
        if (s == own) continue;
        double d = 0;
        changes.clear();
        for (uint32_t e = start[cell]; e < start[cell + 1];) {
          const uint32_t b = entry_block[e];
          const uint64_t tag = static_cast<uint64_t>(blocks[b].shape) << kMaxKeyBits;
          uint64_t new_key = keys[b];
          for (; e < start[cell + 1] && entry_block[e] == b; ++e) {
            const int sh = entry_shift[e];
            new_key = (new_key & ~(((1ull << bits) - 1) << sh)) | (static_cast<uint64_t>(s) << sh);
          }
          const uint64_t old_t = tag | keys[b], new_t = tag | new_key;
          uint32_t& co = counts[old_t];
          d += term(old_t, co - 1) - term(old_t, co);
          --co;
          changes.emplace_back(old_t, -1);
          uint32_t& cn = counts[new_t];
          d += term(new_t, cn + 1) - term(new_t, cn);
          ++cn;
          changes.emplace_back(new_t, +1);
        }
        for (const auto& [t, sign] : changes) counts[t] -= sign;
        delta[cell * k + s] = d;
      }
    }
  };
  if (threads == 1) {
    worker(0, n);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker, n * t / threads, n * (t + 1) / threads);
    for (auto& t : pool) t.join();
  }
  return delta;
}

// ---------------------------------------------------------------------------------------------
// acss functions

namespace {
int shape_1d(const BdmTable& t, const std::string& s) {
  if (t.two_d()) throw Error("acss functions need a 1D table");
  for (size_t i = 0; i < s.size(); ++i)
    if (symbol_value(s[i]) < 0 || symbol_value(s[i]) >= t.symbols())
      throw Error("string '" + s + "': symbol '" + std::string(1, s[i]) + "' at position " + std::to_string(i + 1) +
                  " is outside the alphabet 0.." + std::to_string(t.symbols() - 1));
  const int shape = t.shape_index(1, static_cast<int>(s.size()));
  if (shape < 0) throw Error("table '" + t.source() + "' has no strings of length " + std::to_string(s.size()));
  return shape;
}
}  // namespace

AcssValue acss(const BdmTable& table, const std::string& s) {
  const int shape = shape_1d(table, s);
  AcssValue v;
  v.k = table.k_of(shape, table.pack(s));
  v.d = std::exp2(-v.k);
  return v;
}

std::vector<double> local_complexity(const BdmTable& table, const std::string& s, int span) {
  if (span < 1 || static_cast<size_t>(span) > s.size())
    throw Error("local complexity span " + std::to_string(span) + " does not fit string of length " + std::to_string(s.size()));
  std::vector<double> out;
  for (size_t i = 0; i + span <= s.size(); ++i) out.push_back(acss(table, s.substr(i, span)).k);
  return out;
}

double likelihood_d(const BdmTable& table, const std::string& s) {
  const int shape = shape_1d(table, s);
  const BdmTable::Shape& sh = table.shape(shape);
  double mass = 0;
  for (const auto& [key, k] : sh.keys)
    mass += std::exp2(-k) * (table.normalized() ? arrangements(table.symbols(), distinct_symbols(key, sh.cells(), table.bits())) : 1.0);
  return acss(table, s).d / mass;
}

double likelihood_ratio(const BdmTable& table, const std::string& s) {
  return std::pow(static_cast<double>(table.symbols()), -static_cast<double>(s.size())) / likelihood_d(table, s);
}

double prob_random(const BdmTable& table, const std::string& s, double prior) {
  if (!(prior > 0 && prior < 1)) throw Error("prior must be in (0, 1)");
  const double lr = likelihood_ratio(table, s);
  return lr * prior / (lr * prior + (1 - prior));
}

}  // namespace ctm
