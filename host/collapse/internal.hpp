// Internals of the collapse simulator shared by its files (not public API): the run's read-only
// Context, the Learner interface (one file per family), metric rows whose names and values come from
// one table, samplers and workflow helpers, small numerics.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

namespace ctm::collapse::detail {

constexpr double kLn2 = 0.6931471805599453;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.141592653589793;

// ---- numerics (numerics.cpp) ----
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
inline double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * kPi); }
double normal_quantile(double p);
double digamma(double x);
inline double log_normal_pdf(double x, double m, double s) {
  const double z = (x - m) / s;
  return -0.5 * z * z - std::log(s) - 0.5 * std::log(2 * kPi);
}
inline double log_add(double a, double b) {
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}
// E_{N(m, s^2)}[f] by the trapezoid rule on z in [-10, 10] (spectrally accurate for smooth f).
template <class F>
double gauss_expect(double m, double s, F&& f) {
  constexpr int kPoints = 161;
  constexpr double h = 20.0 / (kPoints - 1);
  double total = 0;
  for (int i = 0; i < kPoints; ++i) {
    const double z = -10 + i * h;
    total += normal_pdf(z) * f(m + s * z);
  }
  return total * h;
}
// Small dense linear algebra, row-major d x d.
using Mat = std::vector<double>;
bool cholesky(const Mat& a, int d, Mat& l);  // false when a is not positive definite
double chol_logdet(const Mat& l, int d);
Mat chol_inverse(const Mat& l, int d);       // (L L^T)^-1
std::vector<double> sym_eigenvalues(Mat a, int d);  // cyclic Jacobi

// ---- the shared, read-only context of a run ----
struct Context {
  const CollapseConfig& c;
  uint64_t key = 0;  // Philox key of the run (c.stream_key())
  LearnerKind learner;
  Workflow workflow;
  bool support_alphabet = true;  // smoothing over the whole alphabet (else over categories seen so far)
  std::vector<double> alpha;     // alpha_t for t = 0..generations (alpha[0] unused)
  // categorical family: truth over categories 0..K-1
  int k = 0;
  std::vector<double> p_star, values;
  std::vector<int> by_value;   // categories sorted by value
  std::vector<char> tail;      // category is in the truth's tail
  std::vector<double> xlog2x;  // c log2 c for counts c = 0..samples (entropy of count vectors)
  // symbolic / density
  const SymbolicSpace* space = nullptr;
  int truth_behaviour = -1;
  std::vector<double> output_bdm;  // BDM of each output string (NaN: no table, or "*")
  // gaussian: truth N(mu0 1, sigma0^2 I)
  int d = 1;
  double tail_z = 0;
  double tail_r2 = 0;  // d > 1: squared radius (in truth sigmas) of P*'s central tail_quantile ball
  // ols
  int ols_d = 0, ols_t = 0;
  std::vector<double> x_design, w_star;
  Mat xtx_inv;
  double trace_inv = 0;

  explicit Context(const CollapseConfig& cfg)
      : c(cfg), key(cfg.stream_key()), learner(cfg.learner), workflow(cfg.workflow),
        support_alphabet(cfg.support == Support::kAlphabet) {}
  // replace and fresh fit on the new batch only; the accumulate workflows keep a pool.
  bool new_batch_only() const { return workflow == Workflow::kReplace || workflow == Workflow::kFresh; }
  // alpha = 0, fit on the new batch from P_0 = P*: the set-up of the spec's closed forms.
  bool pure_loop() const {
    return c.alpha.kind == AlphaKind::kZero && new_batch_only() && !c.verifier && c.initial_samples == 0 && !c.fixed_real;
  }
};

// ---- metric rows: each name sits next to the member that holds its value ----
template <class Row>
struct MetricField {
  const char* name;
  double Row::*value;
};
template <class Row, size_t N>
std::vector<std::string> metric_names(const MetricField<Row> (&fields)[N]) {
  std::vector<std::string> names;
  for (const auto& f : fields) names.emplace_back(f.name);
  return names;
}
template <class Row, size_t N>
void write_row(const MetricField<Row> (&fields)[N], const Row& row, double* out) {
  for (size_t i = 0; i < N; ++i) out[i] = row.*(fields[i].value);
}

// ---- a learner family (one file each) ----
struct ReplicateOut {
  double* values;        // this replicate's rows: (generations + 1) x stride
  size_t stride;         // metrics per row
  int fix_time = -1;     // categorical family: first generation with one category left
  int fix_winner = -1;
};
class Learner {
 public:
  virtual ~Learner() = default;
  // Fills the context's truth and everything shared by the replicates, the result's metric names,
  // closed-form curves and references. `space`: an already built machine space (symbolic, density).
  virtual void prepare(Context& ctx, CollapseResult& r, const SymbolicSpace* space) = 0;
  virtual void run_replicate(const Context& ctx, uint32_t rep, ReplicateOut& out) const = 0;
};
std::unique_ptr<Learner> make_categorical_learner();  // categorical, density, symbolic
std::unique_ptr<Learner> make_gaussian_learner();
std::unique_ptr<Learner> make_gmm_learner();
std::unique_ptr<Learner> make_ols_learner();

// ---- alias table for categorical sampling ----
struct Alias {
  std::vector<uint32_t> id, alias;
  std::vector<double> prob;
  void build(const std::vector<std::pair<uint32_t, double>>& w) {  // weights > 0
    const size_t n = w.size();
    id.resize(n); alias.resize(n); prob.resize(n);
    double total = 0;
    for (auto& [i, x] : w) total += x;
    std::vector<double> scaled(n);
    std::vector<uint32_t> small, large;
    for (size_t i = 0; i < n; ++i) {
      id[i] = w[i].first;
      scaled[i] = w[i].second * n / total;
      (scaled[i] < 1 ? small : large).push_back(static_cast<uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const uint32_t s = small.back(), l = large.back();
      small.pop_back();
      prob[s] = scaled[s];
      alias[s] = l;
      scaled[l] -= 1 - scaled[s];
      if (scaled[l] < 1) { large.pop_back(); small.push_back(l); }
    }
    for (uint32_t l : large) { prob[l] = 1; alias[l] = l; }
    for (uint32_t s : small) { prob[s] = 1; alias[s] = s; }
  }
  uint32_t draw(RandomStream& r) const {
    // Multiply-shift: the high part of u*K picks the slot, the low part is the coin. One 32-bit word
    // when K <= 4096 (coin resolution K/2^32 <= 1e-6), a 64-bit one above.
    const uint64_t k = id.size();
    uint32_t slot;
    double coin;
    if (k <= 4096) {
      const uint64_t m = static_cast<uint64_t>(r.next_u32()) * k;
      slot = static_cast<uint32_t>(m >> 32);
      coin = static_cast<uint32_t>(m) * 2.3283064365386963e-10;
    } else {
      slot = static_cast<uint32_t>((static_cast<uint64_t>(r.next_u32()) * k) >> 32);
      coin = r.next_u32() * 2.3283064365386963e-10;
    }
    return coin < prob[slot] ? id[slot] : id[alias[slot]];
  }
};


struct DataState {
  std::vector<double> pool;        // accumulate: every item so far
  std::vector<double> real_pool;   // fixed_real: the real items reused every generation
  std::vector<double> batch, train;
  std::vector<uint32_t> pick;
};

template <class RealFn, class SynthFn, class RightFn>
const std::vector<double>& build_training_set(const Context& ctx, DataState& st, int stride, uint32_t rep, int t,
                                              RealFn&& real, SynthFn&& synth, RightFn&& right) {
  const CollapseConfig& c = ctx.c;
  const double alpha = ctx.alpha[t];
  RandomStream rs(ctx.key, rep, t, kStreamReal), ss(ctx.key, rep, t, kStreamSynthetic),
      vs(ctx.key, rep, t, kStreamVerifier);
  const int n = c.samples;
  int n_real = static_cast<int>(std::lround(alpha * n));
  if (c.iid_mixture) {
    n_real = 0;
    for (int i = 0; i < n; ++i) n_real += vs.uniform() < alpha;
  }
  st.batch.clear();
  std::vector<double> item(stride);
  for (int i = 0; i < n_real; ++i) {
    if (c.fixed_real && !st.real_pool.empty()) {
      const size_t items = st.real_pool.size() / stride;
      const size_t j = static_cast<size_t>(i) % items;
      st.batch.insert(st.batch.end(), st.real_pool.begin() + j * stride, st.real_pool.begin() + (j + 1) * stride);
    } else {
      real(rs, item.data());
      st.batch.insert(st.batch.end(), item.begin(), item.end());
    }
  }
  const int n_syn = n - n_real;
  int accepted = 0;
  const long max_draws = 50L * n_syn + 100;
  for (long draws = 0; accepted < n_syn && draws < max_draws; ++draws) {
    synth(ss, item.data());
    if (c.verifier) {
      const bool ok = right(item.data());
      const double u = vs.uniform();
      if (ok ? (u < c.eps_fn) : (u >= c.eps_fp)) continue;  // rejected
    }
    st.batch.insert(st.batch.end(), item.begin(), item.end());
    ++accepted;
  }
  if (ctx.new_batch_only()) return st.batch;
  st.pool.insert(st.pool.end(), st.batch.begin(), st.batch.end());
  if (ctx.workflow == Workflow::kAccumulate) return st.pool;
  // accumulate-subsample: N items without replacement from everything so far (partial Fisher-Yates).
  const uint32_t items = static_cast<uint32_t>(st.pool.size() / stride);
  if (items <= static_cast<uint32_t>(n)) return st.pool;
  RandomStream sub(ctx.key, rep, t, kStreamSubsample);
  st.pick.resize(items);
  std::iota(st.pick.begin(), st.pick.end(), 0u);
  st.train.clear();
  for (int i = 0; i < n; ++i) {
    const uint32_t j = i + sub.below(items - i);
    std::swap(st.pick[i], st.pick[j]);
    st.train.insert(st.train.end(), st.pool.begin() + static_cast<size_t>(st.pick[i]) * stride,
                    st.pool.begin() + static_cast<size_t>(st.pick[i] + 1) * stride);
  }
  return st.train;
}

// The initial real data (P_0 fitted on it when initial_samples > 0; the fixed real pool).
template <class RealFn>
void initial_data(const Context& ctx, DataState& st, int stride, uint32_t rep, RealFn&& real) {
  const CollapseConfig& c = ctx.c;
  const int n0 = c.initial_samples > 0 ? c.initial_samples : (c.fixed_real ? c.samples : 0);
  RandomStream rs(ctx.key, rep, 0, kStreamFixed);
  std::vector<double> item(stride);
  for (int i = 0; i < n0; ++i) {
    real(rs, item.data());
    st.real_pool.insert(st.real_pool.end(), item.begin(), item.end());
  }
  if (c.initial_samples > 0 && !ctx.new_batch_only()) st.pool = st.real_pool;
}

}  // namespace ctm::collapse::detail
