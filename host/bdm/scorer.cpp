// BDM scoring (include/ctm/bdm.hpp): the decompositions, block counting (direct-indexed arrays or
// the flat map), BDM, NBDM, block entropy and batches on several threads.
#include <algorithm>
#include <cmath>
#include <memory>

#include "bdm/detail.hpp"
#include "engine/parallel.hpp"
#include "ctm/bdm.hpp"

namespace ctm {

using namespace bdm_detail;

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
  hashed_ = std::make_unique<FlatMap<uint32_t>>(1024);
}

BdmScorer::~BdmScorer() = default;

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
      for (int j = 0; j < b.w; ++j) key = append_digit(key, row[b.c0 + j], bits);
    } else {
      for (int j = 0; j < b.w; ++j) key = append_digit(key, row[(b.c0 + j) % x.cols], bits);
    }
  }
  return key;
}

void BdmScorer::clear_counts() {
  if (!direct_counts_.empty())
    for (uint64_t t : touched_)
      if (tagged_shape(t) == main_shape_) direct_counts_[tagged_block_key(t)] = 0;
  hashed_->clear();
  touched_.clear();
}

// Fills the counts (direct array for the main shape when small, hash otherwise); `touched_` lists
// the distinct tag_block_key(shape, key) in order of first occurrence, which fixes the summation order.
void BdmScorer::count_blocks(const SymbolArray& x) {
  clear_counts();
  const bool direct = !direct_counts_.empty();
  auto add = [&](int shape, uint64_t key) {
    if (direct && shape == main_shape_) {
      if (direct_counts_[key]++ == 0) touched_.push_back(tag_block_key(shape, key));
    } else {
      const uint64_t tagged = tag_block_key(shape, key);
      if ((*hashed_)[tagged]++ == 0) touched_.push_back(tagged);
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
      for (int i = 0; i < L - 1; ++i) key = append_digit(key, p[i], bits);
      for (int i = L - 1; i < n; ++i) {
        key = append_digit(key, p[i], bits) & kmask;
        add(main_shape_, key);
      }
    } else {
      for (int s = 0; s + L <= n; s += step) {
        add(main_shape_, pack_digits(p + s, L, bits));
      }
    }
    return;
  }
  for (const Block& b : decompose(x)) add(b.shape, block_key(x, b));
}

template <class F>
void BdmScorer::for_each_count(F&& f) {
  const bool direct = !direct_counts_.empty();
  for (uint64_t t : touched_) {
    const int shape = tagged_shape(t);
    const uint64_t key = tagged_block_key(t);
    uint32_t n;
    if (direct && shape == main_shape_) {
      n = direct_counts_[key];
    } else {
      n = *hashed_->find(t);
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
  if (r.blocks == 0 && !opt_.empty_is_zero) no_blocks(x);
  return r;
}

// pybdm raises on a decomposition without blocks (its BDM would be 0); so does ctm, saying why.
void BdmScorer::no_blocks(const SymbolArray& x) const {
  const std::string size = x.two_d ? std::to_string(x.rows) + "x" + std::to_string(x.cols) : "length " + std::to_string(x.cols);
  const std::string block =
      x.two_d ? std::to_string(opt_.block_rows) + "x" + std::to_string(opt_.block_cols) : std::to_string(opt_.block_cols);
  if (opt_.partition == Decomposition::recursive)
    throw Error("no blocks: the recursive partition of this input (" + size + ") leaves only parts below --min-length " +
                std::to_string(opt_.min_length));
  throw Error("no blocks: the input (" + size + ") is smaller than the block (" + block + ") and the " + to_string(opt_.partition) +
              " partition drops partial blocks (use --partition recursive or acss, or a smaller --block)");
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
// table order), each normalised key repeated once per concrete block it stands for. The blocks the
// table lacks come first, all at the imputed K (max K + 1): pybdm's tables hold every block of a
// shape they cover (binary 1D and 2D), so its cycle starts at its true maximum; counting the
// imputed blocks keeps maxBDM >= BDM, hence NBDM <= 1, with a table that lacks some (D(5,2)).
struct CycleEntry {
  double k;
  uint64_t copies;
};
std::vector<CycleEntry> cycle_order(const BdmTable& t, int shape) {
  const BdmTable::Shape& s = t.shape(shape);
  std::vector<CycleEntry> e;
  e.reserve(s.keys.size() + 1);
  uint64_t present = 0;
  for (const auto& [key, k] : s.keys) {
    const uint64_t copies =
        t.normalized() ? static_cast<uint64_t>(arrangements(t.symbols(), distinct_symbols(key, s.cells(), t.bits()))) : 1;
    e.push_back({k, copies});
    present += copies;
  }
  std::stable_sort(e.begin(), e.end(), [](const CycleEntry& a, const CycleEntry& b) { return a.k > b.k; });
  uint64_t all = 1;  // k^cells concrete blocks (cells * bits <= kBlockKeyBits, so no overflow)
  for (int i = 0; i < s.cells(); ++i) all *= static_cast<uint64_t>(t.symbols());
  if (all > present) e.insert(e.begin(), CycleEntry{s.max_k + 1, all - present});
  return e;
}

// Calls f(K, uses, blocks) for the concrete blocks used when `n` blocks are assigned cyclically:
// `blocks` concrete blocks of that K are each used `uses` times.
template <class F>
void cycle_uses(const std::vector<CycleEntry>& order, uint64_t n, F&& f) {
  uint64_t m = 0;
  for (const auto& e : order) m += e.copies;
  const uint64_t q = n / m, rem = n % m;
  uint64_t index = 0;  // cycle position of the group's first block; those before `rem` get q + 1
  for (const auto& e : order) {
    const uint64_t more = index >= rem ? 0 : std::min(e.copies, rem - index);
    if (more) f(e.k, q + 1, more);
    if (q == 0 && more < e.copies) return;
    if (more < e.copies) f(e.k, q, e.copies - more);
    index += e.copies;
  }
}

}  // namespace

double BdmScorer::nbdm(const SymbolArray& x) {
  if (opt_.partition == Decomposition::correlated) throw Error("normalised BDM is not defined for the correlated partition");
  const double value = bdm(x).bdm;
  double min_bdm = 0, max_bdm = 0;
  for (const auto& [shape, n] : shape_histogram(x)) {
    min_bdm += table_.shape(shape).min_k + multiplicity(static_cast<double>(n));
    cycle_uses(cycle_order(table_, shape), n, [&](double k, uint64_t uses, uint64_t blocks) {
      max_bdm += static_cast<double>(blocks) * (k + multiplicity(static_cast<double>(uses)));
    });
  }
  // pybdm divides by zero here (a shape whose blocks all have one K, e.g. 1 cell): say so instead.
  if (!(max_bdm > min_bdm)) throw Error("normalised BDM is undefined: the blocks of this input have max BDM = min BDM");
  return (value - min_bdm) / (max_bdm - min_bdm);
}

double BdmScorer::entropy(const SymbolArray& x, bool normalized, BdmResult* counted) {
  check(x);
  if (normalized && opt_.partition == Decomposition::correlated)
    throw Error("normalised entropy is not defined for the correlated partition");
  count_blocks(x);
  // Shannon entropy (bits) of (count, how many blocks have it) pairs.
  using Weighted = std::vector<std::pair<double, double>>;
  auto shannon = [](const Weighted& c) {
    double total = 0, h = 0;
    for (const auto& [v, times] : c) total += v * times;
    for (const auto& [v, times] : c) { const double p = v / total; h -= times * p * std::log2(p); }
    return h;
  };
  Weighted counts;
  BdmResult r;
  for_each_count([&](int shape, uint64_t key, uint32_t n) {
    counts.emplace_back(n, 1.0);
    r.blocks += n;
    ++r.distinct;
    if (std::isnan(table_.k_of(shape, key))) r.imputed += n;
  });
  if (r.blocks == 0 && !opt_.empty_is_zero) no_blocks(x);
  if (counted) *counted = r;
  if (r.blocks == 0) return 0;
  const double h = shannon(counts);
  if (!normalized) return h;
  const auto hist = shape_histogram(x);
  Weighted uses;
  for (const auto& [shape, n] : hist)
    cycle_uses(cycle_order(table_, shape), n, [&](double, uint64_t u, uint64_t blocks) {
      uses.emplace_back(static_cast<double>(u), static_cast<double>(blocks));
    });
  const double max_h = shannon(uses);
  const double min_h = std::log2(static_cast<double>(hist.size()));  // pybdm: each shape counted once
  if (!(max_h > min_h)) throw Error("normalised entropy is undefined: max entropy = min entropy for this input's blocks");
  return (h - min_h) / (max_h - min_h);
}

// ---------------------------------------------------------------------------------------------
// Batches and perturbation

std::vector<BatchScore> score_batch(const BdmTable& table, const BdmOptions& options, const std::vector<SymbolArray>& inputs,
                                    int what, int threads) {
  std::vector<BatchScore> out(inputs.size());
  threads = detail::thread_count(threads);
  threads = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(1, inputs.size() / 16)));
  constexpr size_t chunk = 64;
  std::vector<std::unique_ptr<BdmScorer>> scorers(threads);  // one per thread: scratch space
  detail::parallel_for((inputs.size() + chunk - 1) / chunk, threads, [&](int thread, size_t c) {
    if (!scorers[thread]) scorers[thread] = std::make_unique<BdmScorer>(table, options);
    BdmScorer& scorer = *scorers[thread];
    for (size_t i = c * chunk; i < std::min(inputs.size(), (c + 1) * chunk); ++i) {
      try {
        switch (what) {
          case 0: out[i].result = scorer.bdm(inputs[i]); out[i].value = out[i].result.bdm; break;
          case 1: out[i].value = scorer.nbdm(inputs[i]); out[i].result = scorer.bdm(inputs[i]); break;
          case 2: out[i].value = scorer.entropy(inputs[i], false, &out[i].result); break;
          default: out[i].value = scorer.entropy(inputs[i], true, &out[i].result); break;
        }
      } catch (const Error& e) {
        out[i].value = kNaN;
        out[i].error = e.what();
      }
    }
  });
  return out;
}

}  // namespace ctm
