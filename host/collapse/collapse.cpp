// The collapse loop: truths, learners (categorical, Gaussian, 2-GMM by EM, OLS, symbolic), the
// workflows that build each generation's training set, per-generation metrics, and the threaded
// replicate runner. Every random draw comes from a RandomStream keyed by (seed, replicate,
// generation, stream), so results do not depend on the thread count.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>

#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

namespace ctm::collapse {
namespace {

constexpr double kLn2 = 0.6931471805599453;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.141592653589793;

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * kPi); }
double normal_quantile(double p) {  // bisection: only used once per run
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (normal_cdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}
double digamma(double x) {
  double r = 0;
  while (x < 6) { r -= 1 / x; x += 1; }
  const double f = 1 / (x * x);
  return r + std::log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

// ---- small dense linear algebra (row-major d x d) ----
using Mat = std::vector<double>;

bool cholesky(const Mat& a, int d, Mat& l) {
  l.assign(static_cast<size_t>(d) * d, 0.0);
  for (int j = 0; j < d; ++j) {
    double s = a[j * d + j];
    for (int k = 0; k < j; ++k) s -= l[j * d + k] * l[j * d + k];
    if (!(s > 0)) return false;
    const double ljj = std::sqrt(s);
    l[j * d + j] = ljj;
    for (int i = j + 1; i < d; ++i) {
      double t = a[i * d + j];
      for (int k = 0; k < j; ++k) t -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = t / ljj;
    }
  }
  return true;
}
double chol_logdet(const Mat& l, int d) {
  double s = 0;
  for (int i = 0; i < d; ++i) s += 2 * std::log(l[i * d + i]);
  return s;
}
Mat chol_inverse(const Mat& l, int d) {  // (L L^T)^-1
  Mat linv(static_cast<size_t>(d) * d, 0.0);
  for (int i = 0; i < d; ++i) {
    linv[i * d + i] = 1 / l[i * d + i];
    for (int j = 0; j < i; ++j) {
      double s = 0;
      for (int k = j; k < i; ++k) s -= l[i * d + k] * linv[k * d + j];
      linv[i * d + j] = s / l[i * d + i];
    }
  }
  Mat inv(static_cast<size_t>(d) * d, 0.0);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = 0;
      for (int k = i; k < d; ++k) s += linv[k * d + i] * linv[k * d + j];
      inv[i * d + j] = inv[j * d + i] = s;
    }
  return inv;
}
// Eigenvalues of a symmetric matrix (cyclic Jacobi).
std::vector<double> sym_eigenvalues(Mat a, int d) {
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0, diag = 0;
    for (int i = 0; i < d; ++i) {
      diag += a[i * d + i] * a[i * d + i];
      for (int j = i + 1; j < d; ++j) off += a[i * d + j] * a[i * d + j];
    }
    if (off <= 1e-24 * diag) break;
    for (int p = 0; p < d; ++p)
      for (int q = p + 1; q < d; ++q) {
        const double apq = a[p * d + q];
        if (std::fabs(apq) < 1e-300) continue;
        const double theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < d; ++k) {
          const double akp = a[k * d + p], akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (int k = 0; k < d; ++k) {
          const double apk = a[p * d + k], aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
      }
  }
  std::vector<double> ev(d);
  for (int i = 0; i < d; ++i) ev[i] = a[i * d + i];
  return ev;
}

// ---- the shared, read-only context of a run ----
struct Context {
  const CollapseConfig& c;
  uint64_t key = 0;    // Philox key of the run (c.stream_key())
  std::string family;  // categorical (categorical, density, symbolic) | gaussian | gmm | ols
  // categorical family: truth over categories 0..K-1
  int k = 0;
  std::vector<double> p_star, values;
  std::vector<int> by_value;     // categories sorted by value
  std::vector<char> tail;        // category is in the truth's tail
  std::vector<double> xlog2x;    // c log2 c for counts c = 0..samples (entropy of count vectors)
  std::vector<double> alpha;     // alpha_t for t = 0..generations (alpha[0] unused)
  // symbolic
  const SymbolicSpace* space = nullptr;
  int truth_behaviour = -1;
  std::vector<uint32_t> truth_ids, truth_cum;  // truth as a distribution over 2^m inputs
  const SmallBdm* bdm = nullptr;
  // gaussian: truth N(mu0 1, sigma0^2 I)
  int d = 1;
  double tail_z = 0;
  double tail_r2 = 0;  // d > 1: squared radius (in truth sigmas) of P*'s central tail_quantile ball
  // ols
  int ols_d = 0, ols_t = 0;
  std::vector<double> x_design, w_star;
  Mat xtx_inv;
  double trace_inv = 0;

  explicit Context(const CollapseConfig& cfg) : c(cfg), key(cfg.stream_key()) {}
};

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

// ---- workflows: the training set of a generation, items as doubles with a stride ----
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
  if (c.workflow == "replace" || c.workflow == "fresh") return st.batch;
  st.pool.insert(st.pool.end(), st.batch.begin(), st.batch.end());
  if (c.workflow == "accumulate") return st.pool;
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
  if (c.initial_samples > 0 && c.workflow != "replace" && c.workflow != "fresh") st.pool = st.real_pool;
}

// =============================================================================================
// Categorical family (categorical, density over observed strings, symbolic).
const std::vector<std::string> kCategoricalMetrics{
    "entropy", "entropy_mm", "gini_simpson", "support", "missing_mass", "kl_truth_model", "support_loss",
    "kl_model_truth", "tv", "js", "w1", "w2", "mean", "mean_drift", "variance_ratio", "tail_mass", "fixed",
    "total_mass"};

double w_on_line(const Context& ctx, const std::vector<double>& p, const std::vector<double>& q, int power) {
  // Quantile coupling of two distributions on the values (exact for step CDFs).
  const auto& ord = ctx.by_value;
  size_t i = 0, j = 0;
  double rp = p[ord[0]], rq = q[ord[0]], total = 0;
  while (i < ord.size() && j < ord.size()) {
    if (rp <= 1e-15) { if (++i < ord.size()) rp = p[ord[i]]; continue; }
    if (rq <= 1e-15) { if (++j < ord.size()) rq = q[ord[j]]; continue; }
    const double m = std::min(rp, rq);
    const double gap = std::fabs(ctx.values[ord[i]] - ctx.values[ord[j]]);
    total += m * (power == 1 ? gap : gap * gap);
    rp -= m;
    rq -= m;
  }
  return power == 1 ? total : std::sqrt(total);
}

struct CatStats {
  double mean = 0, var = 0;
};
CatStats cat_stats(const Context& ctx, const std::vector<double>& q) {
  CatStats s;
  for (int i = 0; i < ctx.k; ++i) s.mean += q[i] * ctx.values[i];
  for (int i = 0; i < ctx.k; ++i) s.var += q[i] * (ctx.values[i] - s.mean) * (ctx.values[i] - s.mean);
  return s;
}

double count_log2_count(const Context& ctx, double c) {
  return c < ctx.xlog2x.size() ? ctx.xlog2x[static_cast<size_t>(c)] : c * std::log2(c);
}

// q_is_counts: q = counts / n_train exactly (no smoothing), so both entropies come from a table of c log2 c.
void categorical_metrics(const Context& ctx, const std::vector<double>& q, const std::vector<double>& counts,
                         double n_train, bool q_is_counts, const CatStats& s0, double* out) {
  const auto& p = ctx.p_star;
  double h = 0, gini = 0, support = 0, missing = 0, tv = 0, js = 0, tail = 0, total = 0;
  int union_support = 0;
  bool lost = false;
  const bool full = !ctx.c.light_metrics;
  double clc = 0;  // sum of c log2 c over the counts when q_is_counts
  for (int i = 0; i < ctx.k; ++i) {
    if (q[i] > 0) {
      if (q_is_counts) clc += count_log2_count(ctx, counts[i]);
      else h -= q[i] * std::log2(q[i]);
      support += 1;
    }
    gini += q[i] * q[i];
    total += q[i];
    if (!full) continue;
    if (p[i] > 0 && q[i] <= 0) { missing += p[i]; lost = true; }
    if (p[i] > 0 || q[i] > 0) ++union_support;
    tv += std::fabs(p[i] - q[i]);
    const double m = 0.5 * (p[i] + q[i]);
    if (p[i] > 0) js += 0.5 * p[i] * std::log2(p[i] / m);
    if (q[i] > 0) js += 0.5 * q[i] * std::log2(q[i] / m);
    if (ctx.tail[i]) tail += q[i];
  }
  if (q_is_counts) h = std::log2(n_train) - clc / n_train;
  // KL smoothed with delta = 0.5/N over the union of the two supports (support loss reported apart).
  const double delta = 0.5 / ctx.c.samples, z = 1 + delta * union_support;
  double kl_pq = 0, kl_qp = 0;
  for (int i = 0; i < ctx.k && full; ++i) {
    if (p[i] > 0) kl_pq += p[i] * std::log2(p[i] / ((q[i] + delta) / z));
    if (q[i] > 0) kl_qp += q[i] * std::log2(q[i] / ((p[i] + delta) / z));
  }
  double h_mm;
  if (n_train > 0 && q_is_counts) {  // the sample's plug-in entropy is h itself
    h_mm = h + (support - 1) / (2 * n_train * kLn2);
  } else if (n_train > 0) {  // Miller-Madow on the training sample itself
    double hs = 0, observed = 0;
    for (int i = 0; i < ctx.k; ++i)
      if (counts[i] > 0) { const double f = counts[i] / n_train; hs -= f * std::log2(f); observed += 1; }
    h_mm = hs + (observed - 1) / (2 * n_train * kLn2);
  } else {
    h_mm = h;
  }
  const CatStats s = cat_stats(ctx, q);
  if (!full) missing = kl_pq = kl_qp = tv = js = tail = kNaN;
  const double vals[] = {h, h_mm, 1 - gini, support, missing, kl_pq, full ? (lost ? 1.0 : 0.0) : kNaN, kl_qp, 0.5 * tv, js,
                         full ? w_on_line(ctx, p, q, 1) : kNaN, full ? w_on_line(ctx, p, q, 2) : kNaN, s.mean,
                         (s.mean - s0.mean) * (s.mean - s0.mean), s0.var > 0 ? s.var / s0.var : kNaN, tail,
                         support == 1 ? 1.0 : 0.0, total};
  std::copy(std::begin(vals), std::end(vals), out);
}

void run_categorical_replicate(const Context& ctx, uint32_t rep, double* out, size_t stride_metrics, int& fix_time,
                               int& fix_winner) {
  const CollapseConfig& c = ctx.c;
  const int k = ctx.k;
  const bool symbolic = c.learner == "symbolic", string_family = symbolic || c.learner == "density";
  const double inputs = string_family ? std::ldexp(1.0, c.input_bits) : 0;
  std::vector<double> q(ctx.p_star), counts(k, 0.0);
  std::vector<char> vocabulary(k, 0);
  int behaviour = ctx.truth_behaviour;  // symbolic: the model is a behaviour (P_0 = M*)
  Alias truth_alias, model_alias;
  {
    std::vector<std::pair<uint32_t, double>> w;
    for (int i = 0; i < k; ++i) if (ctx.p_star[i] > 0) w.emplace_back(i, ctx.p_star[i]);
    truth_alias.build(w);
  }
  auto real = [&](RandomStream& r, double* item) { item[0] = truth_alias.draw(r); };
  auto synth = [&](RandomStream& r, double* item) { item[0] = model_alias.draw(r); };
  auto right = [&](const double* item) { return ctx.p_star[static_cast<int>(item[0])] > 0; };
  auto rebuild_model_sampler = [&] {
    std::vector<std::pair<uint32_t, double>> w;
    for (int i = 0; i < k; ++i)
      if (q[i] > 0) w.emplace_back(i, c.lambda == 1 ? q[i] : std::pow(q[i], 1 / c.lambda));
    model_alias.build(w);
  };
  std::vector<uint32_t> touched;
  bool q_is_counts = false;  // q = counts / n exactly (set by learn)
  auto learn = [&](double n) {  // fit on counts / touched of a training set of n items
    if (n == 0) { q_is_counts = false; return; }  // nothing to learn from: keep the model
    if (symbolic) {
      // Max over behaviours of log-likelihood + ln prior; a behaviour must cover every observed output.
      double best = -std::numeric_limits<double>::infinity();
      int best_b = -1;
      for (size_t b = 0; b < ctx.space->behaviours.size(); ++b) {
        const Behaviour& bh = ctx.space->behaviours[b];
        double covered = 0, ll = 0;
        for (auto& [id, cnt] : bh.dist) {
          const double ci = counts[id];
          if (ci > 0) { covered += ci; ll += ci * std::log(cnt / inputs); }
        }
        if (covered < n) continue;
        const double score = ll + kLn2 * bh.log2_prior;
        if (score > best) { best = score; best_b = static_cast<int>(b); }
      }
      if (best_b < 0) return;  // no machine explains the data: keep the model
      behaviour = best_b;
      std::fill(q.begin(), q.end(), 0.0);
      for (auto& [id, cnt] : ctx.space->behaviours[behaviour].dist) q[id] = cnt / inputs;
      q_is_counts = false;
      return;
    }
    const double sm = c.smoothing;
    q_is_counts = !(sm > 0);
    if (sm > 0) {
      double vocab = 0;
      for (int i = 0; i < k; ++i) vocab += (c.support == "alphabet" || vocabulary[i]) ? 1 : 0;
      for (int i = 0; i < k; ++i)
        q[i] = (c.support == "alphabet" || vocabulary[i]) ? (counts[i] + sm) / (n + sm * vocab) : 0.0;
    } else {
      std::fill(q.begin(), q.end(), 0.0);
      for (uint32_t i : touched) q[i] = counts[i] / n;
    }
  };
  auto fit = [&](const std::vector<double>& train) {
    for (uint32_t i : touched) counts[i] = 0;
    touched.clear();
    for (double x : train) {
      const uint32_t i = static_cast<uint32_t>(x);
      if (counts[i] == 0) touched.push_back(i);
      counts[i] += 1;
      vocabulary[i] = 1;
    }
    learn(static_cast<double>(train.size()));
  };
  // Direct path (replace / fresh without verifier or fixed pool): the fit only sees the counts, which
  // are multinomial, so draw them by conditional binomials (O(K) per generation instead of O(N)).
  const bool direct = (c.workflow == "replace" || c.workflow == "fresh") && !c.verifier && !c.fixed_real;
  std::vector<double> model_w(k);
  std::vector<uint32_t> real_counts(k), syn_counts(k);
  auto draw_counts = [&](int t) {
    const double alpha = ctx.alpha[t];
    RandomStream rs(ctx.key, rep, t, kStreamReal), ss(ctx.key, rep, t, kStreamSynthetic),
        vs(ctx.key, rep, t, kStreamVerifier);
    const uint32_t n = static_cast<uint32_t>(c.samples);
    const uint32_t n_real = c.iid_mixture ? binomial(vs, n, alpha) : static_cast<uint32_t>(std::lround(alpha * n));
    if (n_real > 0) multinomial(rs, n_real, ctx.p_star.data(), k, real_counts.data());
    else std::fill(real_counts.begin(), real_counts.end(), 0u);
    if (c.lambda != 1)
      for (int i = 0; i < k; ++i) model_w[i] = q[i] > 0 ? std::pow(q[i], 1 / c.lambda) : 0.0;
    multinomial(ss, n - n_real, c.lambda == 1 ? q.data() : model_w.data(), k, syn_counts.data());
    for (uint32_t i : touched) counts[i] = 0;
    touched.clear();
    for (int i = 0; i < k; ++i) {
      const uint32_t ci = real_counts[i] + syn_counts[i];
      if (ci == 0) continue;
      counts[i] = ci;
      touched.push_back(i);
      vocabulary[i] = 1;
    }
    learn(n);
  };

  DataState st;
  initial_data(ctx, st, 1, rep, real);
  if (c.initial_samples > 0) fit(st.real_pool);
  const CatStats s0 = cat_stats(ctx, q);
  auto record = [&](int t, double n_train) {
    double* row = out + static_cast<size_t>(t) * stride_metrics;
    categorical_metrics(ctx, q, counts, n_train, q_is_counts && n_train > 0, s0, row);
    int support = 0, winner = -1;
    for (int i = 0; i < k; ++i) if (q[i] > 0) { ++support; winner = i; }
    if (support == 1 && fix_time < 0) { fix_time = t; fix_winner = winner; }
    if (string_family) {
      size_t m = kCategoricalMetrics.size();
      if (symbolic) row[m] = behaviour == ctx.truth_behaviour ? 1.0 : 0.0;
      else {
        bool same = true;
        for (int i = 0; i < k && same; ++i) same = std::fabs(q[i] - ctx.p_star[i]) < 1e-12;
        row[m] = same ? 1.0 : 0.0;
      }
      // BDM of the generated items: mean over the training sample (non-halting items left out).
      double total = 0, items = 0;
      if (ctx.bdm && ctx.bdm->loaded()) {
        for (uint32_t i : touched)
          if (ctx.space->outputs[i] != "*") { total += counts[i] * ctx.bdm->bdm(ctx.space->outputs[i]); items += counts[i]; }
      }
      row[m + 1] = items > 0 ? total / items : kNaN;
    }
  };
  record(0, c.initial_samples > 0 ? c.initial_samples : 0);
  for (int t = 1; t <= c.generations; ++t) {
    if (direct) {
      draw_counts(t);
      record(t, c.samples);
      continue;
    }
    rebuild_model_sampler();
    const auto& train = build_training_set(ctx, st, 1, rep, t, real, synth, right);
    fit(train);
    record(t, static_cast<double>(train.size()));
  }
}

// =============================================================================================
// Gaussian (1-D and d-dimensional; truth N(mu0 1, sigma0^2 I)).
const std::vector<std::string> kGaussianMetrics{"mean_drift", "sigma", "var_ratio", "log_var_ratio", "entropy",
                                                "kl_truth_model", "kl_model_truth", "w2", "w1", "tv", "js",
                                                "tail_mass", "w2_squared"};

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
double log_normal_pdf(double x, double m, double s) {
  const double z = (x - m) / s;
  return -0.5 * z * z - std::log(s) - 0.5 * std::log(2 * kPi);
}
double log_add(double a, double b) { const double m = std::max(a, b); return m + std::log(std::exp(a - m) + std::exp(b - m)); }

// TV between two 1-D Gaussians: the set {p > q} is bounded by the roots of a quadratic.
double tv_gauss(double m1, double s1, double m2, double s2) {
  const double a = 1 / (2 * s2 * s2) - 1 / (2 * s1 * s1);
  const double b = m1 / (s1 * s1) - m2 / (s2 * s2);
  const double cc = m2 * m2 / (2 * s2 * s2) - m1 * m1 / (2 * s1 * s1) + std::log(s2 / s1);
  // log p - log q = a x^2 + b x + cc
  auto mass = [](double m, double s, double lo, double hi) { return normal_cdf((hi - m) / s) - normal_cdf((lo - m) / s); };
  std::vector<double> cuts{-std::numeric_limits<double>::infinity()};
  if (std::fabs(a) < 1e-14 * (std::fabs(b) + 1e-300)) {
    if (std::fabs(b) > 0) cuts.push_back(-cc / b);
  } else {
    const double disc = b * b - 4 * a * cc;
    if (disc > 0) {
      const double r1 = (-b - std::sqrt(disc)) / (2 * a), r2 = (-b + std::sqrt(disc)) / (2 * a);
      cuts.push_back(std::min(r1, r2));
      cuts.push_back(std::max(r1, r2));
    }
  }
  cuts.push_back(std::numeric_limits<double>::infinity());
  double tv = 0;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    const double lo = cuts[i], hi = cuts[i + 1];
    const double x = std::isinf(lo) ? (std::isinf(hi) ? 0 : hi - 1) : (std::isinf(hi) ? lo + 1 : 0.5 * (lo + hi));
    if (a * x * x + b * x + cc > 0) tv += mass(m1, s1, lo, hi) - mass(m2, s2, lo, hi);
  }
  return tv;
}

void gaussian_1d_metrics(const Context& ctx, double mu, double var, double mu_0, double var_0, double* out) {
  const double ms = ctx.c.mu0, ss = ctx.c.sigma0, s = std::sqrt(std::max(var, 1e-300));
  if (ctx.c.light_metrics) {  // drift, sigma, variance ratios and entropy only (what bench/numpy_collapse.py computes too)
    const double vals[] = {(mu - mu_0) * (mu - mu_0), s, var / var_0, std::log(var / var_0),
                           0.5 * std::log2(2 * kPi * std::exp(1.0) * var), kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
    std::copy(std::begin(vals), std::end(vals), out);
    return;
  }
  const double kl_pq = (std::log(s / ss) + (ss * ss + (ms - mu) * (ms - mu)) / (2 * var) - 0.5) / kLn2;
  const double kl_qp = (std::log(ss / s) + (var + (ms - mu) * (ms - mu)) / (2 * ss * ss) - 0.5) / kLn2;
  const double dm = mu - ms, ds = s - ss;
  const double w2 = std::sqrt(dm * dm + ds * ds);
  double w1;  // E|dm + ds Z|
  if (std::fabs(ds) < 1e-300) w1 = std::fabs(dm);
  else {
    const double sd = std::fabs(ds);
    w1 = sd * std::sqrt(2 / kPi) * std::exp(-dm * dm / (2 * sd * sd)) + dm * (1 - 2 * normal_cdf(-dm / sd));
  }
  auto js_half = [&](double m, double sd) {
    return gauss_expect(m, sd, [&](double x) {
      const double lp = log_normal_pdf(x, ms, ss), lq = log_normal_pdf(x, mu, s);
      const double lself = (m == ms && sd == ss) ? lp : lq;
      return lself - (log_add(lp, lq) - std::log(2.0));
    });
  };
  const double js = std::max(0.0, 0.5 * (js_half(ms, ss) + js_half(mu, s)) / kLn2);
  const double z = ctx.tail_z;
  const double tail = normal_cdf((ms - z * ss - mu) / s) + 1 - normal_cdf((ms + z * ss - mu) / s);
  const double vals[] = {(mu - mu_0) * (mu - mu_0), s, var / var_0, std::log(var / var_0),
                         0.5 * std::log2(2 * kPi * std::exp(1.0) * var), kl_pq, kl_qp, w2, w1,
                         tv_gauss(ms, ss, mu, s), js, tail, w2 * w2};
  std::copy(std::begin(vals), std::end(vals), out);
}

}  // namespace

// Regularized lower incomplete gamma P(a, x): its series for x < a + 1, else 1 - the continued
// fraction of Q (modified Lentz). Used once per run for the chi-square quantile of the d > 1 tail.
static double gamma_p(double a, double x) {
  if (x <= 0) return 0;
  const double lead = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 10000 && std::fabs(term) > 1e-17 * std::fabs(sum); ++n) sum += term *= x / (a + n);
    return std::min(1.0, sum * std::exp(lead));
  }
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, dd = 1 / b, h = dd;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    dd = an * dd + b;
    if (std::fabs(dd) < tiny) dd = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    dd = 1 / dd;
    const double delta = dd * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return std::max(0.0, 1 - std::exp(lead) * h);
}
double chi2_quantile(double p, int dof) {  // bisection on the cdf P(dof/2, x/2)
  double lo = 0, hi = 10.0 * dof + 100;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (gamma_p(0.5 * dof, 0.5 * mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// d > 1 Gaussians: TV, JS and the tail mass have no closed form; estimate them from `samples` draws of
// P* = N(mu0 1, sigma0^2 I) and of P_t = N(mu, L L^T). With z standard normal, a P_t draw is mu + L z
// and its P_t log density needs only |z|^2; a P* draw needs one triangular solve. TV = (E_P*[(1 -
// q/p)+] + E_Pt[(1 - p/q)+]) / 2; JS (bits) by its two halves; tail = the share of P_t draws outside
// P*'s central ball of squared radius tail_r2 sigma0^2.
GaussianMcMetrics gaussian_mc_metrics(const std::vector<double>& mu, const std::vector<double>& chol, int d, double mu0,
                                      double sigma0, double tail_r2, int samples, RandomStream& rs) {
  std::vector<double> z(d), y(d);
  const double s2s = sigma0 * sigma0, half_logdet_q = 0.5 * chol_logdet(chol, d);
  const double half_logdet_p = 0.5 * d * std::log(s2s), ln2 = std::log(2.0);
  double tv_p = 0, tv_q = 0, js_p = 0, js_q = 0;
  int64_t outside = 0;
  for (int a = 0; a < samples; ++a) {
    double zz = 0, r2 = 0;  // from P_t
    for (int i = 0; i < d; ++i) { z[i] = rs.normal(); zz += z[i] * z[i]; }
    for (int i = 0; i < d; ++i) {
      double v = mu[i];
      for (int j = 0; j <= i; ++j) v += chol[i * d + j] * z[j];
      r2 += (v - mu0) * (v - mu0);
    }
    double lq = -0.5 * zz - half_logdet_q, lp = -0.5 * r2 / s2s - half_logdet_p;  // -d/2 ln 2 pi cancels
    tv_q += std::max(0.0, 1 - std::exp(lp - lq));
    js_q += lq - (log_add(lp, lq) - ln2);
    outside += r2 > tail_r2 * s2s;
    zz = 0;  // from P*: x = mu0 + sigma0 z, then L y = x - mu
    double yy = 0;
    for (int i = 0; i < d; ++i) { z[i] = rs.normal(); zz += z[i] * z[i]; }
    for (int i = 0; i < d; ++i) {
      double v = mu0 + sigma0 * z[i] - mu[i];
      for (int j = 0; j < i; ++j) v -= chol[i * d + j] * y[j];
      y[i] = v / chol[i * d + i];
      yy += y[i] * y[i];
    }
    lp = -0.5 * zz - half_logdet_p;
    lq = -0.5 * yy - half_logdet_q;
    tv_p += std::max(0.0, 1 - std::exp(lq - lp));
    js_p += lp - (log_add(lp, lq) - ln2);
  }
  GaussianMcMetrics g;
  g.tv = 0.5 * (tv_p + tv_q) / samples;
  g.js = std::max(0.0, 0.5 * (js_p + js_q) / samples / kLn2);
  g.tail = static_cast<double>(outside) / samples;
  return g;
}

namespace {

void run_gaussian_replicate(const Context& ctx, uint32_t rep, double* out, size_t stride_metrics) {
  const CollapseConfig& c = ctx.c;
  const int d = ctx.d;
  std::vector<double> mu(d, c.mu0);
  Mat sigma(static_cast<size_t>(d) * d, 0.0), chol;
  for (int i = 0; i < d; ++i) sigma[i * d + i] = c.sigma0 * c.sigma0;
  cholesky(sigma, d, chol);
  const double sqrt_lambda = std::sqrt(c.lambda);
  std::vector<double> z(d);
  auto real = [&](RandomStream& r, double* item) {
    for (int i = 0; i < d; ++i) item[i] = c.mu0 + c.sigma0 * r.normal();
  };
  auto synth = [&](RandomStream& r, double* item) {
    for (int i = 0; i < d; ++i) z[i] = r.normal();
    for (int i = 0; i < d; ++i) {
      double s = 0;
      for (int j = 0; j <= i; ++j) s += chol[i * d + j] * z[j];
      item[i] = mu[i] + sqrt_lambda * s;
    }
  };
  auto right = [&](const double* item) {
    double r2 = 0;
    for (int i = 0; i < d; ++i) r2 += (item[i] - c.mu0) * (item[i] - c.mu0);
    return r2 <= c.verifier_radius * c.verifier_radius * c.sigma0 * c.sigma0 * d;
  };
  auto fit = [&](const std::vector<double>& train) {
    const size_t n = train.size() / d;
    if (n < 2) return;  // too few items: keep the model
    std::fill(mu.begin(), mu.end(), 0.0);
    for (size_t a = 0; a < n; ++a)
      for (int i = 0; i < d; ++i) mu[i] += train[a * d + i];
    for (int i = 0; i < d; ++i) mu[i] /= n;
    std::fill(sigma.begin(), sigma.end(), 0.0);
    for (size_t a = 0; a < n; ++a) {
      const double* x = &train[a * d];
      for (int i = 0; i < d; ++i) {
        const double xi = x[i] - mu[i];
        for (int j = 0; j <= i; ++j) sigma[i * d + j] += xi * (x[j] - mu[j]);
      }
    }
    const double div = c.unbiased ? static_cast<double>(n - 1) : static_cast<double>(n);
    for (int i = 0; i < d; ++i)
      for (int j = 0; j <= i; ++j) sigma[j * d + i] = sigma[i * d + j] = sigma[i * d + j] / div;
    if (!cholesky(sigma, d, chol)) {  // degenerate fit (n <= d or collapsed): a tiny ridge keeps it usable
      for (int i = 0; i < d; ++i) sigma[i * d + i] += 1e-12 * c.sigma0 * c.sigma0;
      if (!cholesky(sigma, d, chol)) throw Error("gaussian learner: covariance is not positive definite");
    }
  };
  DataState st;
  initial_data(ctx, st, d, rep, real);
  if (c.initial_samples > 0) fit(st.real_pool);
  const std::vector<double> mu_0 = mu;
  const double trace_0 = [&] { double s = 0; for (int i = 0; i < d; ++i) s += sigma[i * d + i]; return s; }();
  const double logdet_0 = chol_logdet(chol, d);
  const double s2 = c.sigma0 * c.sigma0;
  auto record = [&](int t) {
    double* row = out + static_cast<size_t>(t) * stride_metrics;
    if (d == 1) { gaussian_1d_metrics(ctx, mu[0], sigma[0], mu_0[0], trace_0, row); return; }
    double drift = 0, dm2 = 0, trace = 0;
    for (int i = 0; i < d; ++i) {
      drift += (mu[i] - mu_0[i]) * (mu[i] - mu_0[i]);
      dm2 += (mu[i] - c.mu0) * (mu[i] - c.mu0);
      trace += sigma[i * d + i];
    }
    const double logdet = chol_logdet(chol, d), logdet_star = d * std::log(s2);
    // KL(P*||P_t) = 1/2 [tr(S_t^-1 S*) + dm' S_t^-1 dm - d + ln det S_t - ln det S*]
    const Mat inv = chol_inverse(chol, d);
    double tr_inv = 0, quad = 0;
    for (int i = 0; i < d; ++i) {
      tr_inv += inv[i * d + i];
      for (int j = 0; j < d; ++j) quad += (mu[i] - c.mu0) * inv[i * d + j] * (mu[j] - c.mu0);
    }
    const double kl_pq = 0.5 * (s2 * tr_inv + quad - d + logdet - logdet_star) / kLn2;
    const double kl_qp = 0.5 * (trace / s2 + dm2 / s2 - d + logdet_star - logdet) / kLn2;
    // W2 with an isotropic truth: ||dm||^2 + tr S_t + d s^2 - 2 s tr(S_t^(1/2)).
    double tr_sqrt = 0;
    for (double ev : sym_eigenvalues(sigma, d)) tr_sqrt += std::sqrt(std::max(ev, 0.0));
    const double w2_sq = std::max(0.0, dm2 + trace + d * s2 - 2 * c.sigma0 * tr_sqrt), w2 = std::sqrt(w2_sq);
    double tv = kNaN, js = kNaN, tail = kNaN;
    if (c.metric_samples > 0 && !c.light_metrics) {
      RandomStream ms(ctx.key, rep, static_cast<uint32_t>(t), kStreamMetrics);
      const GaussianMcMetrics g = gaussian_mc_metrics(mu, chol, d, c.mu0, c.sigma0, ctx.tail_r2, c.metric_samples, ms);
      tv = g.tv; js = g.js; tail = g.tail;
    }
    const double vals[] = {drift, std::sqrt(trace / d), trace / trace_0, logdet - logdet_0,
                           0.5 * (d * std::log2(2 * kPi * std::exp(1.0)) + logdet / kLn2), kl_pq, kl_qp, w2,
                           kNaN, tv, js, tail, w2_sq};
    std::copy(std::begin(vals), std::end(vals), row);
  };
  record(0);
  // Direct path (1-D, replace / fresh, no verifier or fixed pool): the fit only needs each batch's mean
  // and sum of squared deviations, so draw those from their exact joint law instead of the items: for
  // m items of N(loc, sd^2) the mean is N(loc, sd^2 / m) and, independently, the sum of squares about it
  // is sd^2 chi-square(m - 1) (Cochran). O(1) per generation whatever N is.
  const bool direct = d == 1 && (c.workflow == "replace" || c.workflow == "fresh") && !c.verifier && !c.fixed_real;
  auto batch_stats = [](RandomStream& r, uint32_t m, double loc, double sd, double& mean, double& ss) {
    mean = loc;
    ss = 0;
    if (m == 0) return;
    mean += sd * r.normal() / std::sqrt(static_cast<double>(m));
    if (m >= 2) ss = sd * sd * 2 * gamma(r, 0.5 * (m - 1));
  };
  for (int t = 1; t <= c.generations; ++t) {
    if (!direct) {
      fit(build_training_set(ctx, st, d, rep, t, real, synth, right));
      record(t);
      continue;
    }
    const double alpha = ctx.alpha[t];
    RandomStream rs(ctx.key, rep, t, kStreamReal), ss(ctx.key, rep, t, kStreamSynthetic),
        vs(ctx.key, rep, t, kStreamVerifier);
    const uint32_t n = static_cast<uint32_t>(c.samples);
    const uint32_t n_real = c.iid_mixture ? binomial(vs, n, alpha) : static_cast<uint32_t>(std::lround(alpha * n));
    const uint32_t n_syn = n - n_real;
    // Locations relative to the current mean mu (real items: mu0 - mu).
    double mean_r, ss_r, mean_s, ss_s;
    batch_stats(rs, n_real, c.mu0 - mu[0], c.sigma0, mean_r, ss_r);
    batch_stats(ss, n_syn, 0.0, sqrt_lambda * chol[0], mean_s, ss_s);
    if (n >= 2) {
      const double mean = (n_real * mean_r + n_syn * mean_s) / n;
      const double gap = mean_r - mean_s;  // between-group part of the pooled sum of squares
      const double total = ss_r + ss_s + (n_real > 0 && n_syn > 0 ? gap * gap * n_real * (double(n_syn) / n) : 0.0);
      mu[0] += mean;
      sigma[0] = total / (c.unbiased ? n - 1.0 : n);
      if (!(sigma[0] > 0)) sigma[0] += 1e-12 * c.sigma0 * c.sigma0;  // collapsed: the same ridge as fit()
      if (!(sigma[0] > 0)) throw Error("gaussian learner: covariance is not positive definite");
      chol[0] = std::sqrt(sigma[0]);
    }
    record(t);
  }
}

// =============================================================================================
// 2-component 1-D Gaussian mixture fitted by EM (warm-started from the previous generation).
const std::vector<std::string> kGmmMetrics{"weight1", "mean1", "mean2", "sigma1", "sigma2", "var_ratio",
                                           "log_var_ratio", "mean_drift", "entropy", "kl_truth_model",
                                           "kl_model_truth", "tv", "js", "w1", "tail_mass"};
struct Gmm {
  double w[2], m[2], s[2];
  double log_pdf(double x) const {
    return log_add(std::log(w[0]) + log_normal_pdf(x, m[0], s[0]), std::log(w[1]) + log_normal_pdf(x, m[1], s[1]));
  }
  double cdf(double x) const { return w[0] * normal_cdf((x - m[0]) / s[0]) + w[1] * normal_cdf((x - m[1]) / s[1]); }
  double mean() const { return w[0] * m[0] + w[1] * m[1]; }
  double var() const {
    const double mu = mean();
    return w[0] * (s[0] * s[0] + m[0] * m[0]) + w[1] * (s[1] * s[1] + m[1] * m[1]) - mu * mu;
  }
  template <class F> double expect(F&& f) const {
    return w[0] * gauss_expect(m[0], s[0], f) + w[1] * gauss_expect(m[1], s[1], f);
  }
};

void em_fit(Gmm& g, const std::vector<double>& x, int iterations, double sigma_floor) {
  const size_t n = x.size();
  if (n < 2) return;
  double prev = -std::numeric_limits<double>::infinity();
  for (int it = 0; it < iterations; ++it) {
    double sr[2] = {0, 0}, sx[2] = {0, 0}, sxx[2] = {0, 0}, ll = 0;
    for (double xi : x) {
      const double l0 = std::log(g.w[0]) + log_normal_pdf(xi, g.m[0], g.s[0]);
      const double l1 = std::log(g.w[1]) + log_normal_pdf(xi, g.m[1], g.s[1]);
      const double lt = log_add(l0, l1);
      ll += lt;
      const double r0 = std::exp(l0 - lt), r1 = 1 - r0;
      sr[0] += r0; sr[1] += r1;
      sx[0] += r0 * xi; sx[1] += r1 * xi;
      sxx[0] += r0 * xi * xi; sxx[1] += r1 * xi * xi;
    }
    for (int j = 0; j < 2; ++j) {
      if (sr[j] < 1e-9) continue;  // an empty component keeps its parameters
      g.w[j] = sr[j] / n;
      g.m[j] = sx[j] / sr[j];
      g.s[j] = std::sqrt(std::max(sxx[j] / sr[j] - g.m[j] * g.m[j], sigma_floor * sigma_floor));
    }
    const double ws = g.w[0] + g.w[1];
    g.w[0] = std::max(g.w[0] / ws, 1e-12);
    g.w[1] = std::max(1 - g.w[0], 1e-12);
    if (ll - prev < 1e-9 * std::fabs(ll)) break;
    prev = ll;
  }
  if (g.m[0] > g.m[1]) { std::swap(g.w[0], g.w[1]); std::swap(g.m[0], g.m[1]); std::swap(g.s[0], g.s[1]); }
}

void run_gmm_replicate(const Context& ctx, uint32_t rep, double* out, size_t stride_metrics) {
  const CollapseConfig& c = ctx.c;
  const double wsum = c.gmm_weights[0] + c.gmm_weights[1];
  const Gmm truth{{c.gmm_weights[0] / wsum, c.gmm_weights[1] / wsum}, {c.gmm_means[0], c.gmm_means[1]},
                  {c.gmm_sigmas[0], c.gmm_sigmas[1]}};
  Gmm g = truth;
  const double sqrt_lambda = std::sqrt(c.lambda);
  const double floor = 1e-6 * std::min(truth.s[0], truth.s[1]);
  auto draw = [](const Gmm& m, RandomStream& r, double scale) {
    const int j = r.uniform() < m.w[0] ? 0 : 1;
    return m.m[j] + scale * m.s[j] * r.normal();
  };
  auto real = [&](RandomStream& r, double* item) { item[0] = draw(truth, r, 1.0); };
  auto synth = [&](RandomStream& r, double* item) { item[0] = draw(g, r, sqrt_lambda); };
  auto right = [&](const double* item) {
    for (int j = 0; j < 2; ++j) if (std::fabs(item[0] - truth.m[j]) <= c.verifier_radius * truth.s[j]) return true;
    return false;
  };
  DataState st;
  initial_data(ctx, st, 1, rep, real);
  if (c.initial_samples > 0) em_fit(g, st.real_pool, c.em_iterations, floor);
  const double mean_0 = g.mean(), var_0 = g.var();
  const double lo_t = std::min(truth.m[0] - 10 * truth.s[0], truth.m[1] - 10 * truth.s[1]);
  const double hi_t = std::max(truth.m[0] + 10 * truth.s[0], truth.m[1] + 10 * truth.s[1]);
  // Truth tail: outside the central tail_quantile interval of the mixture (bisection on the CDF).
  auto quantile = [&](double p) {
    double lo = lo_t, hi = hi_t;
    for (int i = 0; i < 200; ++i) { const double mid = 0.5 * (lo + hi); (truth.cdf(mid) < p ? lo : hi) = mid; }
    return 0.5 * (lo + hi);
  };
  const double q_lo = quantile(0.5 * (1 - c.tail_quantile)), q_hi = quantile(0.5 * (1 + c.tail_quantile));
  auto record = [&](int t) {
    double* row = out + static_cast<size_t>(t) * stride_metrics;
    const double kl_pq = truth.expect([&](double x) { return truth.log_pdf(x) - g.log_pdf(x); }) / kLn2;
    const double kl_qp = g.expect([&](double x) { return g.log_pdf(x) - truth.log_pdf(x); }) / kLn2;
    const double h = -g.expect([&](double x) { return g.log_pdf(x); }) / kLn2;
    auto lm = [&](double x) { return log_add(truth.log_pdf(x), g.log_pdf(x)) - std::log(2.0); };
    const double js = 0.5 * (truth.expect([&](double x) { return truth.log_pdf(x) - lm(x); }) +
                             g.expect([&](double x) { return g.log_pdf(x) - lm(x); })) / kLn2;
    // TV = E_P*[max(0, 1 - q/p)] (the integrand has a kink where p = q: a small quadrature error).
    const double tv = truth.expect([&](double x) { return std::max(0.0, 1 - std::exp(g.log_pdf(x) - truth.log_pdf(x))); });
    // W1 = integral |F - G| on a grid spanning both mixtures.
    const double lo = std::min({lo_t, g.m[0] - 10 * g.s[0], g.m[1] - 10 * g.s[1]});
    const double hi = std::max({hi_t, g.m[0] + 10 * g.s[0], g.m[1] + 10 * g.s[1]});
    constexpr int kGrid = 2001;
    const double dx = (hi - lo) / (kGrid - 1);
    double w1 = 0;
    for (int i = 0; i < kGrid; ++i) {
      const double x = lo + i * dx;
      w1 += (i == 0 || i == kGrid - 1 ? 0.5 : 1.0) * std::fabs(truth.cdf(x) - g.cdf(x));
    }
    w1 *= dx;
    const double mu = g.mean(), var = g.var();
    const double vals[] = {g.w[0], g.m[0], g.m[1], g.s[0], g.s[1], var / var_0, std::log(var / var_0),
                           (mu - mean_0) * (mu - mean_0), h, kl_pq, kl_qp, std::min(1.0, std::max(0.0, tv)),
                           std::max(0.0, js), w1, g.cdf(q_lo) + 1 - g.cdf(q_hi)};
    std::copy(std::begin(vals), std::end(vals), row);
  };
  record(0);
  for (int t = 1; t <= c.generations; ++t) {
    em_fit(g, build_training_set(ctx, st, 1, rep, t, real, synth, right), c.em_iterations, floor);
    record(t);
  }
}

// =============================================================================================
// OLS on a fixed design: an item is (row of X, label); P_t is the fitted weight vector.
const std::vector<std::string> kOlsMetrics{"test_error", "log_test_error"};

void run_ols_replicate(const Context& ctx, uint32_t rep, double* out, size_t stride_metrics) {
  const CollapseConfig& c = ctx.c;
  const int d = ctx.ols_d, rows = ctx.ols_t;
  std::vector<double> w = ctx.w_star;
  // Each batch labels every row of X once, in order, the first round(alpha T) rows from the truth.
  int row_cursor = 0;
  auto label = [&](RandomStream& r, double* item, const std::vector<double>& weights) {
    const int i = row_cursor++ % rows;
    double y = 0;
    for (int j = 0; j < d; ++j) y += ctx.x_design[static_cast<size_t>(i) * d + j] * weights[j];
    item[0] = i;
    item[1] = y + c.ols_noise * std::sqrt(c.lambda) * r.normal();
  };
  auto real = [&](RandomStream& r, double* item) { label(r, item, ctx.w_star); };
  auto synth = [&](RandomStream& r, double* item) { label(r, item, w); };
  auto right = [&](const double*) { return true; };
  auto fit = [&](const std::vector<double>& train) {
    const size_t n = train.size() / 2;
    Mat xtx(static_cast<size_t>(d) * d, 0.0), l;
    std::vector<double> xty(d, 0.0);
    for (size_t a = 0; a < n; ++a) {
      const double* x = &ctx.x_design[static_cast<size_t>(train[2 * a]) * d];
      for (int i = 0; i < d; ++i) {
        xty[i] += x[i] * train[2 * a + 1];
        for (int j = 0; j <= i; ++j) xtx[i * d + j] += x[i] * x[j];
      }
    }
    for (int i = 0; i < d; ++i) for (int j = 0; j < i; ++j) xtx[j * d + i] = xtx[i * d + j];
    if (!cholesky(xtx, d, l)) return;  // rank-deficient subsample: keep the model
    const Mat inv = chol_inverse(l, d);
    for (int i = 0; i < d; ++i) {
      double s = 0;
      for (int j = 0; j < d; ++j) s += inv[i * d + j] * xty[j];
      w[i] = s;
    }
  };
  DataState st;
  initial_data(ctx, st, 2, rep, real);
  if (c.initial_samples > 0) fit(st.real_pool);
  auto record = [&](int t) {
    double e = 0;
    for (int i = 0; i < d; ++i) e += (w[i] - ctx.w_star[i]) * (w[i] - ctx.w_star[i]);
    double* row = out + static_cast<size_t>(t) * stride_metrics;
    row[0] = e;
    row[1] = std::log(e);
  };
  record(0);
  for (int t = 1; t <= c.generations; ++t) {
    row_cursor = 0;
    fit(build_training_set(ctx, st, 2, rep, t, real, synth, right));
    record(t);
  }
}

// =============================================================================================
void closed_forms(const Context& ctx, CollapseResult& r) {
  const CollapseConfig& c = ctx.c;
  const int g = c.generations;
  const bool pure = c.alpha.kind == "zero" && (c.workflow == "replace" || c.workflow == "fresh") && !c.verifier &&
                    c.initial_samples == 0 && !c.fixed_real;
  const double n = c.samples;
  if (c.learner == "categorical" || c.learner == "density") {  // density: MLE over observed strings
    double g0 = 1, var0 = 0, mean0 = 0, absorb = 0;
    for (int i = 0; i < ctx.k; ++i) { g0 -= ctx.p_star[i] * ctx.p_star[i]; mean0 += ctx.p_star[i] * ctx.values[i]; }
    for (int i = 0; i < ctx.k; ++i) {
      var0 += ctx.p_star[i] * (ctx.values[i] - mean0) * (ctx.values[i] - mean0);
      const double p = ctx.p_star[i];
      if (p > 0 && p < 1) absorb += -2 * n * (1 - p) * std::log(1 - p);
    }
    r.reference["gini_0"] = g0;
    if (pure && c.lambda == 1 && c.smoothing == 0) {
      std::vector<double> gs(g + 1), drift(g + 1);
      for (int t = 0; t <= g; ++t) {
        gs[t] = g0 * std::pow(1 - 1 / n, t);
        drift[t] = var0 * (1 - std::pow(1 - 1 / n, t));
      }
      r.expected["gini_simpson"] = gs;
      r.expected["mean_drift"] = drift;
      r.reference["absorption_time_diffusion"] = absorb;
      r.reference["drift_bound_d2_over_4"] = [&] {
        double lo = 1e300, hi = -1e300;
        for (int i = 0; i < ctx.k; ++i) if (ctx.p_star[i] > 0) { lo = std::min(lo, ctx.values[i]); hi = std::max(hi, ctx.values[i]); }
        return (hi - lo) * (hi - lo) / 4;
      }();
    }
    if (c.alpha.kind == "constant" && (c.workflow == "fresh" || c.workflow == "replace") && !c.iid_mixture &&
        !c.verifier && c.lambda == 1 && c.smoothing == 0 && !c.fixed_real) {
      const double a = std::lround(c.alpha.value * n) / n;
      r.reference["gini_stationary"] = g0 * (1 - 1 / (n * a * (2 - a) + 1 - a));
    }
  }
  if (c.learner == "gaussian" && pure && c.dim == 1) {
    const double m = n, ratio = c.unbiased ? 1.0 : (m - 1) / m;
    const double cfac = (c.unbiased ? std::sqrt(2 / (m - 1)) : std::sqrt(2 / m)) *
                        std::exp(std::lgamma(m / 2) - std::lgamma((m - 1) / 2)) * std::sqrt(c.lambda);
    const double dlog = digamma((m - 1) / 2) + std::log(2.0) - std::log(c.unbiased ? m - 1 : m) + std::log(c.lambda);
    std::vector<double> var(g + 1), sigma(g + 1), drift(g + 1), logv(g + 1);
    double acc = 0;
    for (int t = 0; t <= g; ++t) {
      var[t] = std::pow(ratio * c.lambda, t);
      sigma[t] = c.sigma0 * std::pow(cfac, t);
      logv[t] = t * dlog;
      drift[t] = acc;
      acc += c.sigma0 * c.sigma0 * c.lambda * var[t] / m;  // E[sigma_t^2] lambda / M adds to the drift
    }
    r.expected["var_ratio"] = var;
    r.expected["sigma"] = sigma;
    r.expected["log_var_ratio"] = logv;
    r.expected["mean_drift"] = drift;
    r.reference["c_sigma_factor"] = cfac;
  }
  if (c.learner == "ols" && c.alpha.kind == "zero" && !c.verifier && c.initial_samples == 0 && c.lambda == 1) {
    const double base = c.ols_noise * c.ols_noise * ctx.trace_inv;
    r.reference["sigma2_trace_xtx_inv"] = base;
    r.reference["sigma2_d_over_T_d_1"] = c.ols_noise * c.ols_noise * ctx.ols_d / (ctx.ols_t - ctx.ols_d - 1.0);
    r.reference["accumulate_limit_pi2_6"] = base * kPi * kPi / 6;
    if (c.workflow == "replace" || c.workflow == "accumulate") {
      std::vector<double> e(g + 1, 0.0);
      double h2 = 0;
      for (int t = 1; t <= g; ++t) {
        h2 += 1.0 / (static_cast<double>(t) * t);
        e[t] = c.workflow == "replace" ? t * base : base * h2;
      }
      r.expected["test_error"] = e;
    }
  }
}

}  // namespace

int CollapseResult::metric_index(const std::string& name) const {
  for (size_t i = 0; i < metrics.size(); ++i) if (metrics[i] == name) return static_cast<int>(i);
  throw Error("collapse result: no metric '" + name + "' for learner " + config.learner);
}

CollapseResult run_collapse(const CollapseConfig& config, ProgressFn progress) {
  return run_collapse(config, nullptr, progress);
}

CollapseResult run_collapse(const CollapseConfig& config, const SymbolicSpace* given_space, ProgressFn progress) {
  config.validate();
  const auto start = std::chrono::steady_clock::now();
  const CollapseConfig& c = config;
  Context ctx(c);
  CollapseResult r;
  r.config = c;
  r.generations = c.generations;
  r.replicates = c.replicates;
  SymbolicSpace own_space;
  std::unique_ptr<SmallBdm> bdm;
  if (c.learner == "categorical") {
    ctx.family = "categorical";
    ctx.p_star = c.p0.empty() ? std::vector<double>(c.categories, 1.0 / c.categories) : c.p0;
    double sum = std::accumulate(ctx.p_star.begin(), ctx.p_star.end(), 0.0);
    for (double& p : ctx.p_star) p /= sum;
    ctx.k = static_cast<int>(ctx.p_star.size());
    ctx.values = c.values;
    if (ctx.values.empty()) for (int i = 0; i < ctx.k; ++i) ctx.values.push_back(i);
    r.metrics = kCategoricalMetrics;
  } else if (c.learner == "symbolic" || c.learner == "density") {
    ctx.family = "categorical";
    if (!given_space) {
      own_space = build_symbolic_space(c.space_states, c.input_bits, c.cutoff, c.threads, c.table_path, c.prior_weight);
      given_space = &own_space;
    }
    if (given_space->input_bits != c.input_bits || given_space->cutoff != c.cutoff)
      throw Error("symbolic learner: the machine space was built for other input bits or cutoff");
    ctx.space = given_space;
    ctx.truth_behaviour = find_behaviour(*given_space, c.machine);
    if (ctx.truth_behaviour < 0)
      throw Error("symbolic learner: machine " + c.machine + " has outputs outside the (" +
                  std::to_string(given_space->states) + ",2) space's behaviours (use a machine of that space)");
    ctx.k = static_cast<int>(given_space->outputs.size());
    ctx.p_star.assign(ctx.k, 0.0);
    const double inputs = std::ldexp(1.0, c.input_bits);
    for (auto& [id, cnt] : given_space->behaviours[ctx.truth_behaviour].dist) ctx.p_star[id] = cnt / inputs;
    for (int i = 0; i < ctx.k; ++i) {  // value = output length (-1 when it did not halt)
      const std::string& s = given_space->outputs[i];
      ctx.values.push_back(s == "*" ? -1.0 : static_cast<double>(s.size()));
    }
    if (!c.table_path.empty()) { bdm = std::make_unique<SmallBdm>(c.table_path); ctx.bdm = bdm.get(); }
    r.metrics = kCategoricalMetrics;
    r.metrics.push_back("identified");
    r.metrics.push_back("bdm");
    r.reference["space_behaviours"] = static_cast<double>(given_space->behaviours.size());
    r.reference["space_build_seconds"] = given_space->build_seconds;
    r.reference["truth_behaviour"] = ctx.truth_behaviour;
  } else if (c.learner == "gaussian") {
    ctx.family = "gaussian";
    ctx.d = c.dim;
    ctx.tail_z = normal_quantile(0.5 * (1 + c.tail_quantile));
    if (c.dim > 1) ctx.tail_r2 = chi2_quantile(c.tail_quantile, c.dim);
    r.metrics = kGaussianMetrics;
  } else if (c.learner == "gmm") {
    ctx.family = "gmm";
    r.metrics = kGmmMetrics;
  } else {
    ctx.family = "ols";
    ctx.ols_d = c.ols_dim;
    ctx.ols_t = c.samples;
    RandomStream design(ctx.key, 0xffffffffu, 0, kStreamFixed);  // shared by all replicates
    ctx.x_design.resize(static_cast<size_t>(ctx.ols_t) * ctx.ols_d);
    for (double& x : ctx.x_design) x = design.normal();
    ctx.w_star.resize(ctx.ols_d);
    for (double& w : ctx.w_star) w = design.normal();
    Mat xtx(static_cast<size_t>(ctx.ols_d) * ctx.ols_d, 0.0), l;
    for (int a = 0; a < ctx.ols_t; ++a)
      for (int i = 0; i < ctx.ols_d; ++i)
        for (int j = 0; j < ctx.ols_d; ++j)
          xtx[i * ctx.ols_d + j] += ctx.x_design[a * ctx.ols_d + i] * ctx.x_design[a * ctx.ols_d + j];
    if (!cholesky(xtx, ctx.ols_d, l)) throw Error("ols: the design matrix is rank deficient");
    ctx.xtx_inv = chol_inverse(l, ctx.ols_d);
    for (int i = 0; i < ctx.ols_d; ++i) ctx.trace_inv += ctx.xtx_inv[i * ctx.ols_d + i];
    r.metrics = kOlsMetrics;
  }
  if (ctx.family == "categorical") {
    ctx.by_value.resize(ctx.k);
    std::iota(ctx.by_value.begin(), ctx.by_value.end(), 0);
    std::stable_sort(ctx.by_value.begin(), ctx.by_value.end(), [&](int a, int b) { return ctx.values[a] < ctx.values[b]; });
    // Tail: the least likely categories of P* holding the last (1 - tail_quantile) of its mass,
    // plus every category outside its support.
    std::vector<int> by_p(ctx.k);
    std::iota(by_p.begin(), by_p.end(), 0);
    std::stable_sort(by_p.begin(), by_p.end(), [&](int a, int b) { return ctx.p_star[a] > ctx.p_star[b]; });
    ctx.tail.assign(ctx.k, 0);
    double cum = 0, tail_truth = 0;
    for (int i : by_p) {
      if (cum >= c.tail_quantile - 1e-12 || ctx.p_star[i] == 0) { ctx.tail[i] = 1; tail_truth += ctx.p_star[i]; }
      cum += ctx.p_star[i];
    }
    r.reference["tail_mass_truth"] = tail_truth;
    ctx.xlog2x.resize(static_cast<size_t>(c.samples) + 1, 0.0);
    for (size_t i = 2; i < ctx.xlog2x.size(); ++i) ctx.xlog2x[i] = i * std::log2(static_cast<double>(i));
    r.initial_mass = ctx.p_star;
  }
  closed_forms(ctx, r);
  ctx.alpha.assign(c.generations + 1, 0.0);
  for (int t = 1; t <= c.generations; ++t) ctx.alpha[t] = c.alpha.at(t);

  const size_t m = r.metrics.size();
  const size_t per_rep = static_cast<size_t>(c.generations + 1) * m;
  r.values.assign(per_rep * c.replicates, kNaN);
  r.fixation_time.assign(c.replicates, -1);
  r.fixation_winner.assign(c.replicates, -1);
  int threads = c.threads > 0 ? c.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, c.replicates);
  r.threads_used = threads;
  std::atomic<int> next{0}, done{0};
  std::mutex progress_mutex, error_mutex;
  std::string first_error;
  auto worker = [&] {
    for (;;) {
      const int rep = next.fetch_add(1);
      if (rep >= c.replicates) return;
      try {
        double* out = r.values.data() + per_rep * rep;
        if (ctx.family == "categorical")
          run_categorical_replicate(ctx, rep, out, m, r.fixation_time[rep], r.fixation_winner[rep]);
        else if (ctx.family == "gaussian") run_gaussian_replicate(ctx, rep, out, m);
        else if (ctx.family == "gmm") run_gmm_replicate(ctx, rep, out, m);
        else run_ols_replicate(ctx, rep, out, m);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (first_error.empty()) first_error = "replicate " + std::to_string(rep) + ": " + e.what();
        next.store(c.replicates);
      }
      const int d = done.fetch_add(1) + 1;
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress(d, c.replicates);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (!first_error.empty()) throw Error("collapse run '" + c.label + "': " + first_error);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

MetricSummary summarize(const CollapseResult& r, int metric, int t) {
  std::vector<double> v;
  v.reserve(r.replicates);
  for (int rep = 0; rep < r.replicates; ++rep) {
    const double x = r.value(rep, t, metric);
    if (std::isfinite(x)) v.push_back(x);
  }
  MetricSummary s;
  s.finite = static_cast<int>(v.size());
  if (v.empty()) {
    s.mean = s.sd = s.se = s.q05 = s.q25 = s.median = s.q75 = s.q95 = kNaN;
    return s;
  }
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / v.size();
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(ss / (v.size() - 1)) : 0;
  s.se = s.sd / std::sqrt(static_cast<double>(v.size()));
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {  // linear interpolation between order statistics
    const double pos = p * (v.size() - 1);
    const size_t i = static_cast<size_t>(pos);
    const double f = pos - i;
    return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
  };
  s.q05 = q(0.05); s.q25 = q(0.25); s.median = q(0.5); s.q75 = q(0.75); s.q95 = q(0.95);
  return s;
}

}  // namespace ctm::collapse
