// Block Decomposition Method (BDM) over CTM tables: decompositions, NBDM, block entropy, acss's
// short-string functions and perturbation analysis, for 1D sequences and 2D arrays over k symbols.
// Definitions: docs/bdm.md and ../shared/spec/bdm.md. Plain C++; blocks are packed integer keys.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ctm/table_io.hpp"

namespace ctm {

namespace detail {
template <class V> class FlatMap;  // host/engine/flat_map.hpp (internal)
}

// Symbols 0..k-1 in row-major order. A sequence has rows == 1 and two_d == false.
struct SymbolArray {
  int rows = 1, cols = 0;
  bool two_d = false;
  std::vector<uint8_t> cells;

  size_t size() const { return cells.size(); }
  uint8_t at(int r, int c) const { return cells[static_cast<size_t>(r) * cols + c]; }
  static SymbolArray sequence(const std::vector<uint8_t>& symbols);
  // Each character '0'..'9','a'..'f' is a symbol; throws ctm::Error naming the position otherwise.
  static SymbolArray from_string(const std::string& s);
  static SymbolArray grid(int rows, int cols, const std::vector<uint8_t>& row_major);
};

enum class Decomposition {
  ignore,      // non-overlapping blocks, leftovers dropped (pybdm PartitionIgnore)
  correlated,  // windows every `shift` cells, full blocks only (pybdm PartitionCorrelated)
  recursive,   // leftovers cut into the largest smaller square blocks, down to min_length (pybdm)
  periodic,    // ring / torus: windows every `shift` cells (block size if 0), wrapping around
  acss,        // 1D: starts 0, delta, ...; a shorter final block to the end is kept (acss bdm())
};
Decomposition parse_decomposition(const std::string& name);  // ignore|trim|correlated|sliding|...
std::string to_string(Decomposition d);

struct BdmOptions {
  int block_rows = 1, block_cols = 12;  // 1D: 1 x L; 2D: e.g. 4 x 4
  Decomposition partition = Decomposition::ignore;
  int shift = 0;          // correlated (0 = 1); periodic (0 = the block size)
  int min_length = 2;     // recursive
  int delta = 0;          // acss windows (0 = the block size, acss's default)
  bool log_alphabet = false;  // multiplicity term log_k(n) as acss does, instead of log2(n)
  // An input without blocks (smaller than the block) scores BDM 0 and entropy 0, as pybdm with
  // raise_if_zero=False, instead of the "no blocks" error (the Python package decides itself).
  bool empty_is_zero = false;
};

// K values of blocks by shape, ready for packed-key lookups. Keys of a shape are packed base 2^b
// (b bits per symbol), first cell in the most significant digit; small shapes are indexed directly.
class BdmTable {
 public:
  struct Shape {
    int rows = 1, cols = 0;
    bool direct = false;             // k_direct holds every packed key
    std::vector<double> k_direct;    // NaN where absent
    std::vector<std::pair<uint64_t, double>> keys;  // packed key as stored -> K, in table order
    std::shared_ptr<const detail::FlatMap<double>> hashed;  // packed key -> K, over `keys`
    double max_k = 0, min_k = 0;
    int cells() const { return rows * cols; }
  };

  // From a K table (published or derived): 1D shapes by key length; 2D shapes from keys with rows
  // joined by '-' (every shape), or square shapes when no key has a '-' (OACC, pybdm).
  BdmTable(const KTable& k, int symbols, bool two_d);
  // A ctm table file, a `string,K` CSV/TSV (optionally .gz); `symbols` 0 = the table's own k.
  // Throws when the table's dimension (1D/2D) or alphabet does not match the request.
  static BdmTable load(const std::string& path, int symbols, bool two_d);
  // The default for k symbols and dimension: D(5,2) (data/d5-2.ctm) for 1D binary, D(3,3) for 1D
  // k = 3, pybdm's 4x4 table (data/pybdm-ctm-b2-d4x4.tsv.gz, every block 1x1..4x4) for 2D binary,
  // pybdm's ctm-bK-d12 (data/pybdm-ctm-bK-d12.tsv.gz: D(4,K), sampled) for 1D k = 4, 5, 6, 9.
  static std::string default_path(int symbols, bool two_d);
  // The default table loaded: default_path's, except for 1D binary blocks, where D(5,2) is completed
  // with the K that pybdm stores for the two length-12 strings D(5,2) lacks
  // (data/pybdm-b2-d12-absent.csv), so that BDM and NBDM equal pybdm's. `symbols` 0 = binary.
  static BdmTable load_default(int symbols, bool two_d);
  // Shipped tables by name: "engine-2d" (the engine's (4,2)_2D block table, ctm blocks2d; lacks
  // 5,520 4x4 blocks), "pybdm-2d", "engine-1d" (D(5,2) alone: its two absent strings are imputed);
  // "" for any other name.
  static std::string named_path(const std::string& name);

  int symbols() const { return symbols_; }
  bool two_d() const { return two_d_; }
  bool normalized() const { return normalized_; }
  int bits() const { return bits_; }
  const std::string& source() const { return source_; }
  void set_source(std::string s) { source_ = std::move(s); }
  // Index of a shape in shapes(), or -1.
  int shape_index(int rows, int cols) const;
  const Shape& shape(int index) const { return shapes_[index]; }
  const std::vector<Shape>& shapes() const { return shapes_; }
  // K of a packed block of a shape (raw key first, then its normalised key); NaN when absent.
  double k_of(int shape_index, uint64_t packed) const;
  uint64_t pack(const std::string& s) const;  // symbol characters -> packed key
  uint64_t normalize_packed(uint64_t packed, int cells) const;

 private:
  int symbols_ = 2, bits_ = 1;
  bool two_d_ = false, normalized_ = false;
  std::string source_;
  std::vector<Shape> shapes_;
  double lookup_hashed(const Shape& s, uint64_t key) const;
};

struct BdmResult {
  double bdm = 0;             // the BDM value (bits, or the chosen log base for multiplicities)
  uint64_t blocks = 0;        // blocks in the decomposition
  uint64_t distinct = 0;      // distinct blocks
  uint64_t imputed = 0;       // blocks absent from the table, imputed as max K of the shape + 1
};

// Scores objects with one table and one set of options; holds per-thread scratch space (use one
// scorer per thread). Every score is a pure function of (table, options, object).
class BdmScorer {
 public:
  BdmScorer(const BdmTable& table, BdmOptions options);
  ~BdmScorer();
  // Throws ctm::Error when the decomposition has no blocks (input smaller than the block), as pybdm,
  // unless options.empty_is_zero.
  BdmResult bdm(const SymbolArray& x);
  // (BDM - minBDM) / (maxBDM - minBDM) as pybdm nbdm (not for correlated); maxBDM counts the
  // blocks the table lacks at their imputed K, so NBDM <= 1. Throws when maxBDM = minBDM.
  double nbdm(const SymbolArray& x);
  // Shannon entropy (base 2) of the block distribution; normalised as pybdm nent when asked.
  // `counted` (optional) receives the blocks, distinct and imputed counts (its bdm stays 0).
  double entropy(const SymbolArray& x, bool normalized = false, BdmResult* counted = nullptr);
  // Checks symbols < k and the shape; throws ctm::Error naming the first bad position.
  void check(const SymbolArray& x) const;
  const BdmTable& table() const { return table_; }
  const BdmOptions& options() const { return opt_; }

  // A block of the decomposition: origin, shape index in the table, size; wraps when periodic.
  struct Block {
    int r0, c0, h, w, shape;
  };
  std::vector<Block> decompose(const SymbolArray& x) const;
  uint64_t block_key(const SymbolArray& x, const Block& b) const;

 private:
  const BdmTable& table_;
  BdmOptions opt_;
  int main_shape_ = -1;
  // Counting scratch: direct counts for the main shape when it is indexed directly, else hashed.
  std::vector<uint32_t> direct_counts_;
  std::vector<uint64_t> touched_;
  std::unique_ptr<detail::FlatMap<uint32_t>> hashed_;  // counts of other shapes / large keys
  void count_blocks(const SymbolArray& x);
  template <class F> void for_each_count(F&& f);
  void clear_counts();
  std::vector<std::pair<int, uint64_t>> shape_histogram(const SymbolArray& x) const;
  double multiplicity(double n) const;
  [[noreturn]] void no_blocks(const SymbolArray& x) const;
};

// Scores a batch on `threads` threads (0 = all cores); results[i] belongs to inputs[i] and does not
// depend on the thread count. `what`: 0 = BDM, 1 = NBDM, 2 = entropy, 3 = normalised entropy.
// Inputs that fail check() get NaN and their message in errors[i] (empty when fine).
struct BatchScore {
  BdmResult result;
  double value = 0;
  std::string error;
};
std::vector<BatchScore> score_batch(const BdmTable& table, const BdmOptions& options, const std::vector<SymbolArray>& inputs,
                                    int what, int threads);

// Perturbation analysis: delta[i * k + s] = BDM(x with cell i set to s) - BDM(x); 0 where s is
// the cell's own symbol. Updated incrementally over the blocks containing the cell, exact. Throws
// ctm::Error when the decomposition has no blocks, as BdmScorer::bdm.
std::vector<double> perturbation_deltas(const BdmTable& table, const BdmOptions& options, const SymbolArray& x,
                                        int threads = 1);

// acss's functions on short strings (k symbols, table lookups by normalised key).
struct AcssValue {
  double k = 0, d = 0;  // K (bits) and D = 2^-K
};
AcssValue acss(const BdmTable& table, const std::string& s);
std::vector<double> local_complexity(const BdmTable& table, const std::string& s, int span);
// D(s) over the D mass of all strings of that length (each normalised key k!/(k-u)! times).
double likelihood_d(const BdmTable& table, const std::string& s);
// P(s | uniform random) / P(s | algorithmic): k^-n / likelihood_d(s).
double likelihood_ratio(const BdmTable& table, const std::string& s);
// Posterior probability that s came from a uniform random source, given prior P(random).
double prob_random(const BdmTable& table, const std::string& s, double prior = 0.5);

}  // namespace ctm
