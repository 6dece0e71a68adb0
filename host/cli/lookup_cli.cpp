// `ctm lookup`: count, D and K of strings in a .ctm table, or K in a string,K text table.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include "commands.hpp"
#include "ctm/grid_key.hpp"
#include "ctm/sample.hpp"
#include "ctm/table_io.hpp"

namespace ctm::cli {
namespace {

// Refuses what no table of the space could hold, as `machines` does: an empty string, a symbol
// outside 0..k-1, a '-' in a 1D key or 2D rows of different lengths.
void check_lookup_string(const std::string& s, int symbols, bool two_d) {
  if (s.empty()) throw Error("lookup: empty string (give strings of symbols 0.." + std::to_string(symbols - 1) + ")");
  for (char c : s) {
    if (c == '-' && two_d) continue;
    const int v = symbol_value(c);
    if (v < 0 || v >= symbols)
      throw Error("lookup: string '" + s + "' has symbol '" + std::string(1, c) + "' outside 0.." + std::to_string(symbols - 1) +
                  (c == '-' ? " (a '-' joins rows of 2D keys only)" : ""));
  }
  if (two_d) split_grid_key(s);  // rows of equal length
}

struct KeyAlphabet {
  int symbols = 2;
  bool two_d = false;
};

// A text table does not name its alphabet: take it from its keys (the largest symbol + 1, at least 2).
KeyAlphabet key_alphabet(const KTable& kt) {
  KeyAlphabet a;
  for (const auto& [key, k] : kt.k)
    for (char c : key) {
      if (c == '-') a.two_d = true;
      else a.symbols = std::max(a.symbols, symbol_value(c) + 1);
    }
  return a;
}

int run(const std::string& file, const std::vector<std::string>& strings) {
  if (!is_table_file(file)) {
    const KTable kt = import_k_table(file);
    const KeyAlphabet a = key_alphabet(kt);
    for (const auto& s : strings) check_lookup_string(s, a.symbols, a.two_d);
    std::cout << "string\tK\n";
    // Absent strings print inf, as from a .ctm table (K = -log2 0).
    for (const auto& s : strings) {
      const double k = kt.lookup(s);
      std::printf("%s\t%.17g\n", s.c_str(), std::isnan(k) ? HUGE_VAL : k);
    }
    return 0;
  }
  const Table t = read_table(file);
  for (const auto& s : strings) check_lookup_string(s, t.meta.space.symbols, t.meta.space.dims == 2);
  const bool sampled = t.meta.sampling.sampled;
  std::cout << (sampled ? "string\tcount\tD\tK\tD_low95\tD_high95\tK_low95\tK_high95\n" : "string\tcount\tD\tK\n");
  for (const auto& s : strings) {
    std::string key = s;
    // Accept normalised keys (1D only: 2D keys contain '-').
    if (t.count(key) == 0 && t.meta.space.symbols > 2 && t.meta.space.dims == 1) key = normalize_key(s);
    std::printf("%s\t%s\t%.17g\t%.17g", s.c_str(), to_string(t.count(key)).c_str(), t.probability(key), t.complexity(key));
    if (sampled) {
      const Interval d = d_interval(t, key), k = k_interval(t, key);
      std::printf("\t%.6g\t%.6g\t%.6g\t%.6g", d.low, d.high, k.low, k.high);
    }
    std::printf("\n");
  }
  return 0;
}

}  // namespace

Command add_lookup(CLI::App& app) {
  struct Args {
    std::string file;
    std::vector<std::string> strings;
  };
  auto a = std::make_shared<Args>();
  auto* lk = app.add_subcommand("lookup", "Count, D and K of strings (a ctm table or a string,K text table)");
  lk->add_option("file", a->file, "Table file")->required();
  lk->add_option("strings", a->strings, "Strings to look up")->required();
  return {lk, [a] { return run(a->file, a->strings); }};
}

}  // namespace ctm::cli
