// Perturbation maps (exact incremental BDM differences) and acss's functions on short strings
// (include/ctm/bdm.hpp).
#include <algorithm>
#include <cmath>

#include "bdm/detail.hpp"
#include "engine/parallel.hpp"
#include "ctm/bdm.hpp"

namespace ctm {

using namespace bdm_detail;

std::vector<double> perturbation_deltas(const BdmTable& table, const BdmOptions& options, const SymbolArray& x, int threads) {
  BdmScorer scorer(table, options);
  scorer.check(x);
  const int k = table.symbols(), bits = table.bits();
  const std::vector<BdmScorer::Block> blocks = scorer.decompose(x);
  if (blocks.empty()) scorer.bdm(x);  // throws the "no blocks" error, as bdm() does (unless empty_is_zero)
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
        f(static_cast<size_t>(r) * x.cols + c, digit_shift(i * b.w + j, cells, bits));
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
  FlatMap<uint32_t> base;
  for (size_t b = 0; b < blocks.size(); ++b) ++base[tag_block_key(blocks[b].shape, keys[b])];
  const double log_scale = options.log_alphabet ? 1.0 / std::log2(static_cast<double>(k)) : 1.0;
  auto k_of = [&](uint64_t tagged) {
    const int shape = tagged_shape(tagged);
    const double v = table.k_of(shape, tagged_block_key(tagged));
    return std::isnan(v) ? table.shape(shape).max_k + 1 : v;
  };
  auto term = [&](uint64_t tagged, uint32_t c) { return c == 0 ? 0.0 : k_of(tagged) + std::log2(static_cast<double>(c)) * log_scale; };

  std::vector<double> delta(n * k, 0.0);
  threads = detail::thread_count(threads);
  threads = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(1, n / 4096)));
  // One range of cells per thread, each with its own copy of the counts.
  detail::parallel_for(static_cast<size_t>(threads), threads, [&](int, size_t part) {
    const size_t lo = n * part / threads, hi = n * (part + 1) / threads;
    FlatMap<uint32_t> counts = base;  // changed and restored per perturbation: integers, so exactly
    std::vector<std::pair<uint64_t, int>> changes;  // (tagged key, +1/-1) to undo
    for (size_t cell = lo; cell < hi; ++cell) {
      const int own = x.cells[cell];
      for (int s = 0; s < k; ++s) {
        if (s == own) continue;
        double d = 0;
        changes.clear();
        for (uint32_t e = start[cell]; e < start[cell + 1];) {
          const uint32_t b = entry_block[e];
                    uint64_t new_key = keys[b];
          for (; e < start[cell + 1] && entry_block[e] == b; ++e) {
            const int sh = entry_shift[e];
            new_key = (new_key & ~(digit_mask(bits) << sh)) | (static_cast<uint64_t>(s) << sh);
          }
          const uint64_t old_t = tag_block_key(blocks[b].shape, keys[b]), new_t = tag_block_key(blocks[b].shape, new_key);
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
  });
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
