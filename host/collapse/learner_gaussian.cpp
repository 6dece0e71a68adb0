// Learner family 2: Gaussians, 1-D and d-dimensional, truth N(mu0 1, sigma0^2 I), covariance by MLE or
// the unbiased fit. The replicate loop (O(1) sufficient-statistic path in 1-D, items otherwise),
// closed-form metrics (KL, W2, 1-D TV/JS/tail), Monte Carlo TV/JS/tail for d > 1, and the spec's closed
// forms for the variance decay.
#include <algorithm>
#include <cmath>
#include <limits>

#include "internal.hpp"

namespace ctm::collapse {
namespace detail {
namespace {

struct GaussianRow {
  double mean_drift = kNaN, sigma = kNaN, var_ratio = kNaN, log_var_ratio = kNaN, entropy = kNaN,
         kl_truth_model = kNaN, kl_model_truth = kNaN, w2 = kNaN, w1 = kNaN, tv = kNaN, js = kNaN, tail_mass = kNaN,
         w2_squared = kNaN;
};
using F = MetricField<GaussianRow>;
const F kGaussianFields[] = {
    {"mean_drift", &GaussianRow::mean_drift}, {"sigma", &GaussianRow::sigma}, {"var_ratio", &GaussianRow::var_ratio},
    {"log_var_ratio", &GaussianRow::log_var_ratio}, {"entropy", &GaussianRow::entropy},
    {"kl_truth_model", &GaussianRow::kl_truth_model}, {"kl_model_truth", &GaussianRow::kl_model_truth},
    {"w2", &GaussianRow::w2}, {"w1", &GaussianRow::w1}, {"tv", &GaussianRow::tv}, {"js", &GaussianRow::js},
    {"tail_mass", &GaussianRow::tail_mass}, {"w2_squared", &GaussianRow::w2_squared}};

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

void gaussian_1d_metrics(const Context& ctx, double mu, double var, double mu_0, double var_0, GaussianRow& row) {
  const double ms = ctx.c.mu0, ss = ctx.c.sigma0, s = std::sqrt(std::max(var, 1e-300));
  if (ctx.c.light_metrics) {  // drift, sigma, variance ratios and entropy only (what bench/numpy_collapse.py computes too)
    row.mean_drift = (mu - mu_0) * (mu - mu_0);
    row.sigma = s;
    row.var_ratio = var / var_0;
    row.log_var_ratio = std::log(var / var_0);
    row.entropy = 0.5 * std::log2(2 * kPi * std::exp(1.0) * var);
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
  row.mean_drift = (mu - mu_0) * (mu - mu_0);
  row.sigma = s;
  row.var_ratio = var / var_0;
  row.log_var_ratio = std::log(var / var_0);
  row.entropy = 0.5 * std::log2(2 * kPi * std::exp(1.0) * var);
  row.kl_truth_model = kl_pq;
  row.kl_model_truth = kl_qp;
  row.w2 = w2;
  row.w1 = w1;
  row.tv = tv_gauss(ms, ss, mu, s);
  row.js = js;
  row.tail_mass = tail;
  row.w2_squared = w2 * w2;
}

}  // namespace
}  // namespace detail

using namespace detail;

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

namespace detail {
namespace {

void run_gaussian_replicate(const Context& ctx, uint32_t rep, ReplicateOut& out) {
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
    double* dst = out.values + static_cast<size_t>(t) * out.stride;
    GaussianRow row;
    if (d == 1) {
      gaussian_1d_metrics(ctx, mu[0], sigma[0], mu_0[0], trace_0, row);
      write_row(kGaussianFields, row, dst);
      return;
    }
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
    row.mean_drift = drift;
    row.sigma = std::sqrt(trace / d);
    row.var_ratio = trace / trace_0;
    row.log_var_ratio = logdet - logdet_0;
    row.entropy = 0.5 * (d * std::log2(2 * kPi * std::exp(1.0)) + logdet / kLn2);
    row.kl_truth_model = kl_pq;
    row.kl_model_truth = kl_qp;
    row.w2 = w2;
    row.tv = tv;  // w1 stays NaN: no closed form for d > 1 (W2 bounds it)
    row.js = js;
    row.tail_mass = tail;
    row.w2_squared = w2_sq;
    write_row(kGaussianFields, row, dst);
  };
  record(0);
  // Direct path (1-D, replace / fresh, no verifier or fixed pool): the fit only needs each batch's mean
  // and sum of squared deviations, so draw those from their exact joint law instead of the items: for
  // m items of N(loc, sd^2) the mean is N(loc, sd^2 / m) and, independently, the sum of squares about it
  // is sd^2 chi-square(m - 1) (Cochran). O(1) per generation whatever N is.
  const bool direct = d == 1 && ctx.new_batch_only() && !c.verifier && !c.fixed_real;
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

class GaussianLearner final : public Learner {
 public:
  void prepare(Context& ctx, CollapseResult& r, const SymbolicSpace*) override {
    const CollapseConfig& c = ctx.c;
    ctx.d = c.dim;
    ctx.tail_z = normal_quantile(0.5 * (1 + c.tail_quantile));
    if (c.dim > 1) ctx.tail_r2 = chi2_quantile(c.tail_quantile, c.dim);
    r.metrics = metric_names(kGaussianFields);
    closed_forms(ctx, r);
  }
  void run_replicate(const Context& ctx, uint32_t rep, ReplicateOut& out) const override {
    run_gaussian_replicate(ctx, rep, out);
  }

 private:
  static void closed_forms(const Context& ctx, CollapseResult& r) {
    const CollapseConfig& c = ctx.c;
    const int g = c.generations;
    const bool pure = ctx.pure_loop();
    const double n = c.samples;
    if (pure && c.dim == 1) {
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
  }
};

}  // namespace

std::unique_ptr<Learner> make_gaussian_learner() { return std::make_unique<GaussianLearner>(); }

}  // namespace detail
}  // namespace ctm::collapse
