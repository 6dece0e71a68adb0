// Learner family 3: the 2-component 1-D Gaussian mixture fitted by EM, warm-started from the previous
// generation (Shumailov et al.'s GMM experiment); metrics by quadrature and on a grid.
#include <algorithm>
#include <cmath>
#include <limits>

#include "internal.hpp"

namespace ctm::collapse::detail {
namespace {

struct GmmRow {
  double weight1, mean1, mean2, sigma1, sigma2, var_ratio, log_var_ratio, mean_drift, entropy, kl_truth_model,
      kl_model_truth, tv, js, w1, tail_mass;
};
using F = MetricField<GmmRow>;
const F kGmmFields[] = {
    {"weight1", &GmmRow::weight1}, {"mean1", &GmmRow::mean1}, {"mean2", &GmmRow::mean2}, {"sigma1", &GmmRow::sigma1},
    {"sigma2", &GmmRow::sigma2}, {"var_ratio", &GmmRow::var_ratio}, {"log_var_ratio", &GmmRow::log_var_ratio},
    {"mean_drift", &GmmRow::mean_drift}, {"entropy", &GmmRow::entropy}, {"kl_truth_model", &GmmRow::kl_truth_model},
    {"kl_model_truth", &GmmRow::kl_model_truth}, {"tv", &GmmRow::tv}, {"js", &GmmRow::js}, {"w1", &GmmRow::w1},
    {"tail_mass", &GmmRow::tail_mass}};

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

void run_gmm_replicate(const Context& ctx, uint32_t rep, ReplicateOut& out) {
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
    GmmRow row;
    row.weight1 = g.w[0];
    row.mean1 = g.m[0];
    row.mean2 = g.m[1];
    row.sigma1 = g.s[0];
    row.sigma2 = g.s[1];
    row.var_ratio = var / var_0;
    row.log_var_ratio = std::log(var / var_0);
    row.mean_drift = (mu - mean_0) * (mu - mean_0);
    row.entropy = h;
    row.kl_truth_model = kl_pq;
    row.kl_model_truth = kl_qp;
    row.tv = std::min(1.0, std::max(0.0, tv));
    row.js = std::max(0.0, js);
    row.w1 = w1;
    row.tail_mass = g.cdf(q_lo) + 1 - g.cdf(q_hi);
    write_row(kGmmFields, row, out.values + static_cast<size_t>(t) * out.stride);
  };
  record(0);
  for (int t = 1; t <= c.generations; ++t) {
    em_fit(g, build_training_set(ctx, st, 1, rep, t, real, synth, right), c.em_iterations, floor);
    record(t);
  }
}

class GmmLearner final : public Learner {
 public:
  void prepare(Context&, CollapseResult& r, const SymbolicSpace*) override { r.metrics = metric_names(kGmmFields); }
  void run_replicate(const Context& ctx, uint32_t rep, ReplicateOut& out) const override {
    run_gmm_replicate(ctx, rep, out);
  }
};

}  // namespace

std::unique_ptr<Learner> make_gmm_learner() { return std::make_unique<GmmLearner>(); }

}  // namespace ctm::collapse::detail
