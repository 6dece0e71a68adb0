// BDM bindings of ctm._ctm: K tables for blocks, a scorer (one object, a batch of equal-shaped
// objects or a list, on threads without the GIL), decompositions, perturbation deltas and acss's
// short-string functions. Inputs arrive as C-contiguous uint8 arrays already checked by the Python
// layer (python/ctm/bdm.py); the library checks them again (ctm::Error -> ValueError).
#include <nanobind/stl/pair.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <memory>
#include <mutex>

#include "ctm/bdm.hpp"
#include "ctm/table_io.hpp"
#include "ext_common.hpp"

namespace ctm_py {
namespace {

// Any integer (or bool) NumPy array, C-contiguous; symbols are checked and narrowed in one pass.
using Ints = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;

template <class T>
void narrow_as(const Ints& a, size_t offset, size_t n, int k, uint8_t* out, const char* what) {
  const T* p = static_cast<const T*>(a.data()) + offset;
  for (size_t i = 0; i < n; ++i) {
    const T v = p[i];
    if (v < T{0} || v >= static_cast<T>(k)) {
      const long long shown = static_cast<long long>(v);
      throw ctm::Error(std::string(what) + "symbol " + std::to_string(shown) + " at flat position " + std::to_string(i) +
                       " is outside the alphabet 0.." + std::to_string(k - 1));
    }
    out[i] = static_cast<uint8_t>(v);
  }
}

// Cells [offset, offset + n) of `a` as symbols 0..k-1 into out; throws ctm::Error naming the bad one.
void narrow(const Ints& a, size_t offset, size_t n, int k, uint8_t* out, const std::string& what = "") {
  const auto dt = a.dtype();
  const auto code = static_cast<nb::dlpack::dtype_code>(dt.code);
  const char* w = what.c_str();
  if (code == nb::dlpack::dtype_code::Bool && dt.bits == 8) return narrow_as<uint8_t>(a, offset, n, k, out, w);
  if (code == nb::dlpack::dtype_code::Int) {
    switch (dt.bits) {
      case 8: return narrow_as<int8_t>(a, offset, n, k, out, w);
      case 16: return narrow_as<int16_t>(a, offset, n, k, out, w);
      case 32: return narrow_as<int32_t>(a, offset, n, k, out, w);
      case 64: return narrow_as<int64_t>(a, offset, n, k, out, w);
    }
  }
  if (code == nb::dlpack::dtype_code::UInt) {
    switch (dt.bits) {
      case 8: return narrow_as<uint8_t>(a, offset, n, k, out, w);
      case 16: return narrow_as<uint16_t>(a, offset, n, k, out, w);
      case 32: return narrow_as<uint32_t>(a, offset, n, k, out, w);
      case 64: return narrow_as<uint64_t>(a, offset, n, k, out, w);
    }
  }
  throw ctm::Error("the array must hold integers (or bools)");
}

std::shared_ptr<ctm::BdmTable> load_bdm_table(const std::string& path, int symbols, bool two_d,
                                               const std::vector<std::pair<std::string, double>>& extra) {
  nb::gil_scoped_release r;
  if (extra.empty()) return std::make_shared<ctm::BdmTable>(ctm::BdmTable::load(path, symbols, two_d));
  // A table plus stored values for keys it lacks (pybdm's CTM-B2-D12 = D(5,2) + two stored K).
  ctm::KTable k = ctm::is_table_file(path) ? ctm::k_table_from(ctm::read_table(path)) : ctm::import_k_table(path);
  for (const auto& [key, value] : extra) k.k[key] = value;
  auto t = std::make_shared<ctm::BdmTable>(k, symbols, two_d);
  t->set_source(path + " + " + std::to_string(extra.size()) + " stored values");
  return t;
}

std::shared_ptr<ctm::BdmTable> bdm_table_from(const ctm::Table& table, bool two_d) {
  nb::gil_scoped_release r;
  return std::make_shared<ctm::BdmTable>(ctm::k_table_from(table), table.meta.space.symbols, two_d);
}

ctm::SymbolArray to_symbols(const Ints& a, size_t offset, int rows, int cols, bool two_d, int k,
                            const std::string& what = "") {
  ctm::SymbolArray x;
  x.rows = rows;
  x.cols = cols;
  x.two_d = two_d;
  x.cells.resize(static_cast<size_t>(rows) * cols);
  narrow(a, offset, x.cells.size(), k, x.cells.data(), what);
  return x;
}

ctm::SymbolArray one_object(const Ints& a, bool two_d, int k, const std::string& what = "") {
  if (a.size() == 0) throw ctm::Error(what + "empty input");
  if (two_d) {
    if (a.ndim() != 2) throw ctm::Error(what + "a 2D table needs a 2D array");
    return to_symbols(a, 0, static_cast<int>(a.shape(0)), static_cast<int>(a.shape(1)), true, k, what);
  }
  if (a.ndim() != 1) throw ctm::Error(what + "a 1D table needs a 1D array");
  return to_symbols(a, 0, 1, static_cast<int>(a.shape(0)), false, k, what);
}

class Scorer {
 public:
  Scorer(std::shared_ptr<ctm::BdmTable> table, int block_rows, int block_cols, const std::string& partition, int shift,
         int min_length, int delta, bool log_alphabet)
      : table_(std::move(table)) {
    opt_.block_rows = block_rows;
    opt_.block_cols = block_cols;
    opt_.partition = ctm::parse_decomposition(partition);
    opt_.shift = shift;
    opt_.min_length = min_length;
    opt_.delta = delta;
    opt_.log_alphabet = log_alphabet;
    opt_.empty_is_zero = true;  // pybdm returns 0 there; ctm.BDM raises itself when raise_if_zero
    scorer_ = std::make_unique<ctm::BdmScorer>(*table_, opt_);  // validates the options
  }

  // what: 0 BDM, 1 NBDM, 2 entropy, 3 normalised entropy. Returns (value, blocks, imputed).
  std::tuple<double, uint64_t, uint64_t> score(const Ints& a, int what) {
    nb::gil_scoped_release r;
    ctm::SymbolArray x = one_object(a, table_->two_d(), table_->symbols());
    std::lock_guard<std::mutex> l(mu_);
    scorer_->check(x);
    switch (what) {
      case 0: {
        const auto res = scorer_->bdm(x);
        return {res.bdm, res.blocks, res.imputed};
      }
      case 1: {
        const double v = scorer_->nbdm(x);
        const auto res = scorer_->bdm(x);
        return {v, res.blocks, res.imputed};
      }
      default: return {scorer_->entropy(x, what == 3), 0, 0};
    }
  }

  // A stack of equal-shaped objects: (n, L) for 1D, (n, R, C) for 2D. Returns (values, blocks, imputed).
  nb::tuple score_stack(const Ints& a, int what, int threads) {
    const bool two_d = table_->two_d();
    if (a.ndim() != (two_d ? 3u : 2u)) throw ctm::Error(two_d ? "a batch of 2D arrays must be 3D" : "a batch of sequences must be 2D");
    const size_t n = a.shape(0);
    const int rows = two_d ? static_cast<int>(a.shape(1)) : 1, cols = static_cast<int>(a.shape(two_d ? 2 : 1));
    std::vector<ctm::BatchScore> res;
    {
      nb::gil_scoped_release r;
      std::vector<ctm::SymbolArray> inputs(n);
      const size_t cells = static_cast<size_t>(rows) * cols;
      if (cells == 0) throw ctm::Error("the batch's objects are empty");
      for (size_t i = 0; i < n; ++i)
        inputs[i] = to_symbols(a, i * cells, rows, cols, two_d, table_->symbols(), "object " + std::to_string(i) + ": ");
      res = ctm::score_batch(*table_, opt_, inputs, what, threads);
    }
    return unpack(res);
  }

  nb::tuple score_list(const std::vector<Ints>& arrays, int what, int threads) {
    std::vector<ctm::SymbolArray> inputs;
    inputs.reserve(arrays.size());
    for (size_t i = 0; i < arrays.size(); ++i)
      inputs.push_back(one_object(arrays[i], table_->two_d(), table_->symbols(), "object " + std::to_string(i) + ": "));
    std::vector<ctm::BatchScore> res;
    {
      nb::gil_scoped_release r;
      res = ctm::score_batch(*table_, opt_, inputs, what, threads);
    }
    return unpack(res);
  }

  // Blocks of the decomposition: (n, 4) int32 rows (row, col, height, width); periodic blocks wrap.
  nb::ndarray<nb::numpy, int32_t> decompose(const Ints& a) {
    ctm::SymbolArray x = one_object(a, table_->two_d(), table_->symbols());
    std::vector<ctm::BdmScorer::Block> blocks;
    {
      std::lock_guard<std::mutex> l(mu_);
      scorer_->check(x);
      blocks = scorer_->decompose(x);
    }
    std::vector<int32_t> out;
    out.reserve(blocks.size() * 4);
    for (const auto& b : blocks) out.insert(out.end(), {b.r0, b.c0, b.h, b.w});
    return owned_array(std::move(out), {blocks.size(), 4});
  }

  // delta[i, s] = BDM(x with cell i set to s) - BDM(x), cells in row-major order.
  nb::ndarray<nb::numpy, double> perturb(const Ints& a, int threads) {
    ctm::SymbolArray x = one_object(a, table_->two_d(), table_->symbols());
    std::vector<double> d;
    {
      nb::gil_scoped_release r;
      ctm::BdmScorer(*table_, opt_).check(x);
      d = ctm::perturbation_deltas(*table_, opt_, x, threads);
    }
    const size_t k = static_cast<size_t>(table_->symbols());
    return owned_array(std::move(d), {x.size(), k});
  }

 private:
  std::shared_ptr<ctm::BdmTable> table_;
  ctm::BdmOptions opt_;
  std::mutex mu_;
  std::unique_ptr<ctm::BdmScorer> scorer_;

  static nb::tuple unpack(const std::vector<ctm::BatchScore>& res) {
    for (size_t i = 0; i < res.size(); ++i)
      if (!res[i].error.empty()) throw ctm::Error("input " + std::to_string(i) + ": " + res[i].error);
    std::vector<double> v(res.size());
    std::vector<uint64_t> blocks(res.size()), imputed(res.size());
    for (size_t i = 0; i < res.size(); ++i) {
      v[i] = res[i].value;
      blocks[i] = res[i].result.blocks;
      imputed[i] = res[i].result.imputed;
    }
    const size_t n = res.size();
    return nb::make_tuple(owned_array(std::move(v), {n}), owned_array(std::move(blocks), {n}),
                          owned_array(std::move(imputed), {n}));
  }
};

// K of blocks given as symbol strings of one shape; absent ones imputed as max K of the shape + 1.
// Returns (K, imputed flags).
nb::tuple block_k(const ctm::BdmTable& t, int rows, int cols, const std::vector<std::string>& keys) {
  const int shape = t.shape_index(rows, cols);
  if (shape < 0)
    throw ctm::Error("table '" + t.source() + "' has no K values for blocks of " + std::to_string(rows) + "x" +
                     std::to_string(cols));
  std::vector<double> k(keys.size());
  std::vector<uint8_t> missing(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (static_cast<int>(keys[i].size()) != rows * cols) throw ctm::Error("block '" + keys[i] + "' is not " + std::to_string(rows) + "x" + std::to_string(cols));
    const double v = t.k_of(shape, t.pack(keys[i]));
    missing[i] = std::isnan(v);
    k[i] = missing[i] ? t.shape(shape).max_k + 1 : v;
  }
  const size_t n = keys.size();
  return nb::make_tuple(owned_array(std::move(k), {n}), owned_array(std::move(missing), {n}));
}

}  // namespace

void bind_bdm(nb::module_& m) {
  nb::class_<ctm::BdmTable>(m, "BdmTable")
      .def_static("load", &load_bdm_table, nb::arg("path"), nb::arg("symbols"), nb::arg("two_d"),
                  nb::arg("extra") = std::vector<std::pair<std::string, double>>{})
      .def_static("from_table", &bdm_table_from)
      .def_prop_ro("symbols", &ctm::BdmTable::symbols)
      .def_prop_ro("two_d", &ctm::BdmTable::two_d)
      .def_prop_ro("source", [](const ctm::BdmTable& t) { return t.source(); })
      .def("shapes", [](const ctm::BdmTable& t) {
        std::vector<std::tuple<int, int, size_t, double, double>> out;
        for (const auto& s : t.shapes()) out.emplace_back(s.rows, s.cols, s.keys.size(), s.min_k, s.max_k);
        return out;
      })
      .def("block_k", &block_k);

  nb::class_<Scorer>(m, "Scorer")
      .def(nb::init<std::shared_ptr<ctm::BdmTable>, int, int, const std::string&, int, int, int, bool>())
      .def("score", &Scorer::score)
      .def("score_stack", &Scorer::score_stack)
      .def("score_list", &Scorer::score_list)
      .def("decompose", &Scorer::decompose)
      .def("perturb", &Scorer::perturb);

  m.def("acss", [](const ctm::BdmTable& t, const std::string& s) {
    const auto v = ctm::acss(t, s);
    return std::make_pair(v.k, v.d);
  });
  m.def("local_complexity", [](const ctm::BdmTable& t, const std::string& s, int span) {
    auto v = ctm::local_complexity(t, s, span);
    const size_t n = v.size();
    return owned_array(std::move(v), {n});
  });
  m.def("likelihood_d", &ctm::likelihood_d);
  m.def("likelihood_ratio", &ctm::likelihood_ratio);
  m.def("prob_random", &ctm::prob_random);
}

}  // namespace ctm_py
