// The collapse simulator against the closed-form facts of shared/spec/collapse.md (within a stated
// number of Monte Carlo standard errors), its invariants, thread-count independence, the symbolic learner.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

using namespace ctm::collapse;

namespace {

constexpr double kSe = 5.0;  // tolerance in standard errors for every Monte Carlo comparison

const std::string kTable = std::string(CTM_SOURCE_DIR) + "/data/d5-2.ctm";

CollapseConfig categorical(std::vector<double> p0, int n, int generations, int replicates) {
  CollapseConfig c;
  c.learner = LearnerKind::kCategorical;
  c.p0 = std::move(p0);
  c.samples = n;
  c.generations = generations;
  c.replicates = replicates;
  c.threads = 2;
  c.seed = 12345;
  return c;
}

void expect_within(const MetricSummary& s, double expected, const std::string& what) {
  EXPECT_NEAR(s.mean, expected, kSe * s.se + 1e-12) << what << ": mean " << s.mean << " se " << s.se;
}

}  // namespace

TEST(CollapseCategorical, GiniSimpsonDecaysExactlyAsOneMinusOneOverN) {
  const std::vector<double> p0{0.4, 0.3, 0.2, 0.1};
  auto c = categorical(p0, 20, 30, 6000);
  const auto r = run_collapse(c);
  const int g = r.metric_index("gini_simpson");
  const double g0 = 1 - (0.16 + 0.09 + 0.04 + 0.01);
  for (int t : {1, 5, 10, 30}) expect_within(summarize(r, g, t), g0 * std::pow(1 - 1.0 / 20, t), "gini t=" + std::to_string(t));
  // The mean drift of the value is a bounded random walk: Var_P0(X) (1 - (1-1/N)^t) <= D^2/4.
  const int d = r.metric_index("mean_drift");
  const double mean = 0.3 + 0.4 + 0.3, var = 0.4 * 1 + 0.3 * 0 + 0.2 * 1 + 0.1 * 4 - 0;  // values 0..3, mean 1
  ASSERT_DOUBLE_EQ(mean, 1.0);
  for (int t : {5, 30}) expect_within(summarize(r, d, t), var * (1 - std::pow(1 - 1.0 / 20, t)), "drift");
  for (int rep = 0; rep < r.replicates; ++rep) ASSERT_LE(r.value(rep, 30, d), 9.0 + 1e-12);  // (m_t - m_0)^2 <= D^2
  // Entropy is a supermartingale: its mean never rises (beyond noise).
  const int h = r.metric_index("entropy");
  for (int t = 1; t <= 30; ++t) {
    const auto a = summarize(r, h, t - 1), b = summarize(r, h, t);
    EXPECT_LE(b.mean, a.mean + kSe * std::hypot(a.se, b.se)) << "t=" << t;
  }
  EXPECT_LT(summarize(r, h, 30).mean, summarize(r, h, 0).mean - 0.3);
}

// Exact mean absorption time (generations until one category holds all N items) of the 3-category
// Wright-Fisher chain started at `start`: solve (I - Q) t = 1 over the transient states (compositions
// of N with at least two non-zero parts) by Gaussian elimination with partial pivoting.
static double exact_absorption_time_3(int n, std::array<int, 3> start) {
  std::vector<std::array<int, 3>> states;
  std::vector<int> index((n + 1) * (n + 1), -1);
  for (int a = 0; a <= n; ++a)
    for (int b = 0; a + b <= n; ++b)
      if ((a > 0) + (b > 0) + (n - a - b > 0) >= 2) {
        index[a * (n + 1) + b] = static_cast<int>(states.size());
        states.push_back({a, b, n - a - b});
      }
  const size_t m = states.size();
  std::vector<double> lf(n + 1, 0), A(m * m, 0), t(m, 1);
  for (int i = 1; i <= n; ++i) lf[i] = lf[i - 1] + std::log(static_cast<double>(i));
  for (size_t i = 0; i < m; ++i) {
    A[i * m + i] = 1;
    for (size_t j = 0; j < m; ++j) {  // P(states[i] -> states[j]), multinomial
      double lp = lf[n];
      bool possible = true;
      for (int c = 0; c < 3 && possible; ++c) {
        const int x = states[j][c];
        if (x == 0) continue;
        if (states[i][c] == 0) possible = false;
        else lp += x * std::log(static_cast<double>(states[i][c]) / n) - lf[x];
      }
      if (possible) A[i * m + j] -= std::exp(lp);
    }
  }
  for (size_t col = 0; col < m; ++col) {
    size_t piv = col;
    for (size_t r = col + 1; r < m; ++r)
      if (std::fabs(A[r * m + col]) > std::fabs(A[piv * m + col])) piv = r;
    if (piv != col) {
      for (size_t c = 0; c < m; ++c) std::swap(A[col * m + c], A[piv * m + c]);
      std::swap(t[col], t[piv]);
    }
    for (size_t r = col + 1; r < m; ++r) {
      const double f = A[r * m + col] / A[col * m + col];
      if (f == 0) continue;
      for (size_t c = col; c < m; ++c) A[r * m + c] -= f * A[col * m + c];
      t[r] -= f * t[col];
    }
  }
  for (size_t r = m; r-- > 0;) {
    double v = t[r];
    for (size_t c = r + 1; c < m; ++c) v -= A[r * m + c] * t[c];
    t[r] = v / A[r * m + r];
  }
  return t[index[start[0] * (n + 1) + start[1]]];
}

TEST(CollapseCategorical, ExactAbsorptionTimeSolverAndTheDiffusionApproximation) {
  // The solver on K = 2 (one part 0) against value iteration on the two-allele chain, N = 50.
  const int n = 50;
  std::vector<double> lf(n + 1, 0), q(n * n, 0), t(n + 1, 0);
  for (int i = 1; i <= n; ++i) lf[i] = lf[i - 1] + std::log(static_cast<double>(i));
  for (int i = 1; i < n; ++i)
    for (int j = 1; j < n; ++j)
      q[i * n + j] = std::exp(lf[n] - lf[j] - lf[n - j] + j * std::log(i / double(n)) + (n - j) * std::log(1 - i / double(n)));
  for (int it = 0; it < 4000; ++it) {  // contraction 1 - 1/N per step: 4000 steps leave < 1e-30
    std::vector<double> next(n + 1, 0);
    for (int i = 1; i < n; ++i) {
      next[i] = 1;
      for (int j = 1; j < n; ++j) next[i] += q[i * n + j] * t[j];
    }
    t = next;
  }
  EXPECT_NEAR(exact_absorption_time_3(n, {25, 25, 0}), t[25], 1e-9 * t[25]);
  // The spec's diffusion formula -2N sum (1-p) ln(1-p) is within ~3% of the exact chain at N = 50
  // (p = 1/2, 1/2: 69.31 against the exact value; p = .5, .3, .2: 77.476 against 75.613, the same
  // chain solved with numpy.linalg.solve).
  EXPECT_NEAR(t[25], 2 * n * std::log(2.0), 0.03 * t[25]);
  const double exact = exact_absorption_time_3(n, {25, 15, 10});
  EXPECT_NEAR(exact, 75.6134762, 1e-6);
  double diffusion = 0;
  for (double p : {0.5, 0.3, 0.2}) diffusion += -2 * n * (1 - p) * std::log(1 - p);
  EXPECT_NEAR(diffusion, exact, 0.03 * exact);
}

TEST(CollapseCategorical, FixationFrequenciesEqualInitialMassesAndTimeMatchesTheExactChain) {
  // N = 20 from (10, 6, 4): 16,000 replicates in 8 runs of different seeds (the per-generation metric
  // matrix of one run grows with replicates x generations); 400 generations leave about e^-20 of the
  // replicates unfixed.
  const std::vector<double> p0{0.5, 0.3, 0.2};
  const int n = 20, runs = 8;
  std::vector<int> wins(3, 0);
  double time = 0, time2 = 0;
  int reps = 0;
  for (int run = 0; run < runs; ++run) {
    auto c = categorical(p0, n, 400, 2000);
    c.light_metrics = true;
    c.seed = 777 + run;
    const auto r = run_collapse(c);
    if (run == 0) {
      double diffusion = 0;
      for (double p : p0) diffusion += -2 * n * (1 - p) * std::log(1 - p);
      EXPECT_DOUBLE_EQ(r.reference.at("absorption_time_diffusion"), diffusion);
    }
    for (int rep = 0; rep < r.replicates; ++rep, ++reps) {
      ASSERT_GE(r.fixation_time[rep], 0) << "replicate " << rep << " never fixed";
      ++wins[r.fixation_winner[rep]];
      time += r.fixation_time[rep];
      time2 += static_cast<double>(r.fixation_time[rep]) * r.fixation_time[rep];
    }
  }
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(wins[i] / double(reps), p0[i], kSe * std::sqrt(p0[i] * (1 - p0[i]) / reps)) << "category " << i;
  const double mean = time / reps, se = std::sqrt((time2 / reps - mean * mean) / (reps - 1));
  EXPECT_NEAR(mean, exact_absorption_time_3(n, {10, 6, 4}), kSe * se) << "se " << se;
}

TEST(CollapseCategorical, LostSupportNeverReturnsAndProbabilitiesSumToOne) {
  auto c = categorical({0.3, 0.3, 0.2, 0.1, 0.05, 0.05}, 10, 60, 300);
  const auto r = run_collapse(c);
  const int s = r.metric_index("support"), m = r.metric_index("missing_mass"), tm = r.metric_index("total_mass");
  for (int rep = 0; rep < r.replicates; ++rep)
    for (int t = 1; t <= 60; ++t) {
      ASSERT_LE(r.value(rep, t, s), r.value(rep, t - 1, s));
      ASSERT_GE(r.value(rep, t, m), r.value(rep, t - 1, m) - 1e-15);
      ASSERT_NEAR(r.value(rep, t, tm), 1.0, 1e-12);
    }
  // Sums stay 1 with smoothing, temperature, the observed vocabulary and grounding too.
  auto d = categorical({0.5, 0.25, 0.25, 0}, 10, 20, 50);
  d.smoothing = 0.5;
  d.lambda = 0.7;
  d.workflow = Workflow::kAccumulateSubsample;
  d.alpha.kind = AlphaKind::kHarmonic;
  for (std::string support : {"alphabet", "observed"}) {
    d.support = parse_support(support);
    const auto rd = run_collapse(d);
    for (int rep = 0; rep < rd.replicates; ++rep)
      for (int t = 0; t <= 20; ++t) ASSERT_NEAR(rd.value(rep, t, rd.metric_index("total_mass")), 1.0, 1e-12);
  }
}

TEST(CollapseCategorical, AlphaOneHasNoMemory) {
  // With alpha = 1 every model is fitted on fresh real data only: nothing about P_{t-1} (here its
  // sampling temperature) can change any later generation, and every generation looks like the first.
  auto a = categorical({0.4, 0.3, 0.2, 0.1}, 15, 25, 400);
  a.workflow = Workflow::kFresh;
  a.alpha.kind = AlphaKind::kConstant;
  a.alpha.value = 1.0;
  auto b = a;
  b.lambda = 0.3;
  const auto ra = run_collapse(a), rb = run_collapse(b);
  ASSERT_EQ(ra.values.size(), rb.values.size());
  for (size_t i = 0; i < ra.values.size(); ++i)
    if (!std::isnan(ra.values[i])) ASSERT_EQ(ra.values[i], rb.values[i]) << "value " << i;
  const int g = ra.metric_index("gini_simpson");
  const auto s1 = summarize(ra, g, 1), s25 = summarize(ra, g, 25);
  EXPECT_NEAR(s25.mean, s1.mean, kSe * std::hypot(s1.se, s25.se));
  expect_within(s25, 0.7 * (1 - 1.0 / 15), "gini with alpha=1");
}

TEST(CollapseCategorical, FreshDataGiniSettlesAtClosedForm) {
  const std::vector<double> p0{0.4, 0.3, 0.2, 0.1};
  auto c = categorical(p0, 20, 240, 600);
  c.workflow = Workflow::kFresh;
  c.alpha.kind = AlphaKind::kConstant;
  c.alpha.value = 0.25;
  c.light_metrics = true;
  const auto r = run_collapse(c);
  const int g = r.metric_index("gini_simpson");
  // Time-average each replicate over the stationary stretch; replicates are independent.
  std::vector<double> avg(r.replicates, 0.0);
  for (int rep = 0; rep < r.replicates; ++rep) {
    for (int t = 41; t <= 240; ++t) avg[rep] += r.value(rep, t, g);
    avg[rep] /= 200;
  }
  double mean = 0, var = 0;
  for (double v : avg) mean += v / avg.size();
  for (double v : avg) var += (v - mean) * (v - mean) / (avg.size() - 1);
  const double a = 0.25, n = 20, g_star = 0.7;
  const double expected = g_star * (1 - 1 / (n * a * (2 - a) + 1 - a));
  EXPECT_DOUBLE_EQ(r.reference.at("gini_stationary"), expected);
  EXPECT_NEAR(mean, expected, kSe * std::sqrt(var / avg.size()));
}

TEST(CollapseGaussian, SigmaAndLogVarianceFollowTheClosedForms) {
  for (bool unbiased : {false, true}) {
    CollapseConfig c;
    c.learner = LearnerKind::kGaussian;
    c.unbiased = unbiased;
    c.samples = 10;
    c.generations = 20;
    c.replicates = 20000;
    c.sigma0 = 2.0;
    c.threads = 2;
    c.light_metrics = true;
    const auto r = run_collapse(c);
    const double m = 10;
    const double cfac = (unbiased ? std::sqrt(2 / (m - 1)) : std::sqrt(2 / m)) *
                        std::exp(std::lgamma(m / 2) - std::lgamma((m - 1) / 2));
    const double dlog = [&] {  // E ln(chi2_{M-1}/div) = psi((M-1)/2) + ln 2 - ln div; psi(4.5) exactly
      const double psi45 = -0.5772156649015329 - 2 * std::log(2.0) + 2 * (1 + 1.0 / 3 + 1.0 / 5 + 1.0 / 7);
      return psi45 + std::log(2.0) - std::log(unbiased ? m - 1 : m);
    }();
    const int sg = r.metric_index("sigma"), lv = r.metric_index("log_var_ratio"), dr = r.metric_index("mean_drift");
    for (int t : {1, 5, 20}) {
      expect_within(summarize(r, sg, t), 2.0 * std::pow(cfac, t), "E[sigma_t]");
      expect_within(summarize(r, lv, t), t * dlog, "E[log var ratio]");
      EXPECT_NEAR(r.expected.at("sigma")[t], 2.0 * std::pow(cfac, t), 1e-12);
    }
    // E[(mu_t - mu_0)^2] = sum_{i<t} E[sigma_i^2] / M, with E[sigma_i^2] = sigma_0^2 ((M-1)/M)^i (MLE) or sigma_0^2.
    double drift = 0;
    for (int i = 0; i < 5; ++i) drift += 4.0 * std::pow(unbiased ? 1.0 : 0.9, i) / m;
    expect_within(summarize(r, dr, 5), drift, "mean drift");
  }
}

TEST(CollapseGaussian, SufficientStatisticPathMatchesTheItemPath) {
  // The 1-D replace/fresh path draws each batch's mean and sum of squares directly; a verifier that
  // accepts everything forces the item-by-item path. Same law: same means within Monte Carlo error,
  // here with real and synthetic items mixed (their between-group term matters) and lambda != 1.
  CollapseConfig c;
  c.learner = LearnerKind::kGaussian;
  c.workflow = Workflow::kFresh;
  c.alpha.kind = AlphaKind::kConstant;
  c.alpha.value = 0.3;
  c.samples = 10;
  c.generations = 6;
  c.replicates = 20000;
  c.lambda = 0.8;
  c.mu0 = 1.5;
  c.threads = 2;
  c.light_metrics = true;
  auto items = c;
  items.verifier = true;  // eps_fp = eps_fn = 0 and an infinite radius: every item is accepted
  items.verifier_radius = 1e9;
  items.seed = 777;
  const auto direct = run_collapse(c), by_item = run_collapse(items);
  for (const std::string m : {"sigma", "var_ratio", "mean_drift"}) {
    const int i = direct.metric_index(m);
    for (int t : {1, 6}) {
      const auto a = summarize(direct, i, t), b = summarize(by_item, i, t);
      EXPECT_NEAR(a.mean, b.mean, kSe * std::hypot(a.se, b.se)) << m << " t=" << t;
    }
  }
}

TEST(CollapseGaussian, MultivariateTraceAndLogDetShrinkUnderMle) {
  CollapseConfig c;
  c.learner = LearnerKind::kGaussian;
  c.dim = 3;
  c.samples = 12;
  c.generations = 10;
  c.replicates = 3000;
  c.threads = 2;
  c.metric_samples = 100;
  const auto r = run_collapse(c);
  // E[Sigma_t] = ((M-1)/M)^t Sigma_0 for the MLE, so the trace ratio has mean (11/12)^t.
  expect_within(summarize(r, r.metric_index("var_ratio"), 10), std::pow(11.0 / 12, 10), "trace ratio");
  EXPECT_LT(summarize(r, r.metric_index("log_var_ratio"), 10).mean, -1.0);
  EXPECT_GT(summarize(r, r.metric_index("w2"), 10).mean, summarize(r, r.metric_index("w2"), 1).mean);
  // The Monte Carlo metrics exist for d > 1 and grow as the model drifts away from P*.
  for (const char* name : {"tv", "js", "tail_mass"}) {
    const int k = r.metric_index(name);
    for (int rep = 0; rep < r.replicates; ++rep) ASSERT_TRUE(std::isfinite(r.value(rep, 10, k))) << name;
  }
  EXPECT_NEAR(summarize(r, r.metric_index("tv"), 0).mean, 0.0, 1e-12);
  EXPECT_GT(summarize(r, r.metric_index("tv"), 10).mean, summarize(r, r.metric_index("tv"), 1).mean);
  EXPECT_GT(summarize(r, r.metric_index("js"), 10).mean, summarize(r, r.metric_index("js"), 1).mean);
}

TEST(CollapseGaussian, MonteCarloMetricsOfMultivariateModelsMatchClosedForms) {
  // chi-square(2) has the closed-form quantile -2 ln(1 - p).
  EXPECT_NEAR(chi2_quantile(0.9, 2), -2 * std::log(0.1), 1e-9);
  EXPECT_NEAR(chi2_quantile(0.5, 1), 0.454936423119572, 1e-9);   // = normal_quantile(0.75)^2
  EXPECT_NEAR(chi2_quantile(0.9, 10), 15.987179172105261, 1e-8);  // scipy.stats.chi2.ppf(0.9, 10)
  const int d = 3, m = 200000;
  const double mu0 = 1, s0 = 2;
  auto iso = [&](double scale) {
    std::vector<double> l(d * d, 0.0);
    for (int i = 0; i < d; ++i) l[i * d + i] = scale;
    return l;
  };
  // Equal covariances, means delta apart: TV = 2 Phi(delta / (2 s)) - 1, and JS equals the 1-D JS of
  // N(0, 1) and N(delta / s, 1), done here by the trapezoid rule.
  {
    const double delta = 1.5 * s0;
    const std::vector<double> mu{mu0 + delta, mu0, mu0};
    RandomStream rs(3, 0, 0, kStreamMetrics);
    const auto g = gaussian_mc_metrics(mu, iso(s0), d, mu0, s0, chi2_quantile(0.9, d), m, rs);
    const double tv = std::erf(delta / (2 * s0) / std::sqrt(2.0));
    double js = 0;
    const double sh = delta / s0, h = 1e-3;
    for (double x = -12; x <= 12 + sh; x += h) {
      const double p = std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI), q = std::exp(-0.5 * (x - sh) * (x - sh)) / std::sqrt(2 * M_PI);
      const double mid = 0.5 * (p + q);
      js += h * 0.5 * ((p > 0 ? p * std::log2(p / mid) : 0) + (q > 0 ? q * std::log2(q / mid) : 0));
    }
    EXPECT_NEAR(g.tv, tv, 0.005) << "tv " << tv;  // Monte Carlo sd ~ 0.0008 at 2e5 draws
    EXPECT_NEAR(g.js, js, 0.004) << "js " << js;
  }
  // Same mean, P_t = N(mu0 1, (c s0)^2 I) in d = 2: the tail mass beyond P*'s 0.9 ball is
  // P(chi2_2 > r2 / c^2) = 0.1^(1 / c^2); TV from the crossing radius of the two densities.
  {
    const int d2 = 2;
    const double c = 1.4;
    std::vector<double> l{c * s0, 0, 0, c * s0};
    RandomStream rs(4, 0, 0, kStreamMetrics);
    const auto g = gaussian_mc_metrics({mu0, mu0}, l, d2, mu0, s0, chi2_quantile(0.9, d2), m, rs);
    EXPECT_NEAR(g.tail, std::pow(0.1, 1 / (c * c)), 0.005);
    // densities cross at rho^2 = 2 d ln c / (1 - 1/c^2) (in units of s0^2); TV = P*(r < rho) - P_t(r < rho)
    const double rho2 = 2 * d2 * std::log(c) / (1 - 1 / (c * c));
    const double tv = (1 - std::exp(-rho2 / 2)) - (1 - std::exp(-rho2 / (2 * c * c)));
    EXPECT_NEAR(g.tv, tv, 0.005) << "tv " << tv;
  }
  // P_t = P*: all three are exact (TV = JS = 0, tail = the share of draws outside the ball ~ 0.1).
  {
    RandomStream rs(5, 0, 0, kStreamMetrics);
    const auto g = gaussian_mc_metrics({mu0, mu0, mu0}, iso(s0), d, mu0, s0, chi2_quantile(0.9, d), m, rs);
    EXPECT_NEAR(g.tv, 0.0, 1e-12);
    EXPECT_NEAR(g.js, 0.0, 1e-12);
    EXPECT_NEAR(g.tail, 0.1, 0.005);
  }
}

TEST(CollapseOls, ReplaceGrowsLinearlyAccumulateStaysBounded) {
  for (std::string wf : {"replace", "accumulate"}) {
    CollapseConfig c;
    c.learner = LearnerKind::kOls;
    c.workflow = parse_workflow(wf);
    c.samples = 30;
    c.ols_dim = 5;
    c.generations = 12;
    c.replicates = 3000;
    c.threads = 2;
    const auto r = run_collapse(c);
    const double base = r.reference.at("sigma2_trace_xtx_inv");
    double h2 = 0;
    for (int i = 1; i <= 12; ++i) h2 += 1.0 / (i * i);
    const int e = r.metric_index("test_error");
    expect_within(summarize(r, e, 12), wf == "replace" ? 12 * base : base * h2, wf);
    EXPECT_NEAR(r.expected.at("test_error")[12], wf == "replace" ? 12 * base : base * h2, 1e-12);
    if (wf == "accumulate") EXPECT_LT(summarize(r, e, 12).mean, r.reference.at("accumulate_limit_pi2_6") * 1.1);
  }
}

TEST(CollapseGmm, EmRecoversTheTruthWithRealDataAndDriftsWithout) {
  CollapseConfig c;
  c.learner = LearnerKind::kGmm;
  c.samples = 400;
  c.generations = 3;
  c.replicates = 40;
  c.threads = 2;
  c.workflow = Workflow::kFresh;
  c.alpha.kind = AlphaKind::kConstant;
  c.alpha.value = 1.0;
  const auto r = run_collapse(c);
  expect_within(summarize(r, r.metric_index("mean1"), 3), -2.0, "mean1");
  expect_within(summarize(r, r.metric_index("mean2"), 3), 2.0, "mean2");
  expect_within(summarize(r, r.metric_index("weight1"), 3), 0.5, "weight1");
  EXPECT_LT(summarize(r, r.metric_index("tv"), 3).mean, 0.1);
  EXPECT_NEAR(summarize(r, r.metric_index("tv"), 0).mean, 0.0, 1e-6);
  EXPECT_NEAR(summarize(r, r.metric_index("kl_truth_model"), 0).mean, 0.0, 1e-9);
}

TEST(CollapseVerifier, PerfectVerifierKeepsWrongItemsOut) {
  // Smoothing gives the two impossible categories mass; with a perfect verifier no item of theirs is
  // ever trained on, so their mass is exactly 2c/(N + 4c) every generation.
  auto c = categorical({0.5, 0.5, 0, 0}, 20, 15, 200);
  c.smoothing = 1;
  c.verifier = true;
  const auto r = run_collapse(c);
  const int tail = r.metric_index("tail_mass");
  for (int rep = 0; rep < r.replicates; ++rep)
    for (int t = 1; t <= 15; ++t) ASSERT_NEAR(r.value(rep, t, tail), 2.0 / 24, 1e-12);
  c.verifier = false;
  const auto open = run_collapse(c);
  EXPECT_GT(summarize(open, tail, 15).mean, 2.0 / 24 + 0.02);
}

TEST(CollapseRunner, SameSeedSameOutputOnOneAndTwoThreads) {
  std::vector<CollapseConfig> configs;
  configs.push_back(categorical({0.5, 0.3, 0.2}, 30, 20, 37));
  configs.back().workflow = Workflow::kAccumulateSubsample;
  configs.back().alpha.kind = AlphaKind::kGeometric;
  configs.back().alpha.value = 0.5;
  CollapseConfig g;
  g.learner = LearnerKind::kGaussian;
  g.dim = 2;
  g.samples = 20;
  g.generations = 15;
  g.replicates = 23;
  g.lambda = 0.9;
  g.verifier = true;
  g.eps_fp = 0.2;
  configs.push_back(g);
  // The direct (count / sufficient-statistic) paths: Wright-Fisher, grounded iid mixture, 1-D Gaussian.
  configs.push_back(categorical(std::vector<double>(20, 0.05), 200, 12, 31));
  configs.push_back(categorical({0.6, 0.4}, 50, 12, 19));
  configs.back().workflow = Workflow::kFresh;
  configs.back().iid_mixture = true;
  configs.back().alpha.kind = AlphaKind::kConstant;
  configs.back().alpha.value = 0.3;
  CollapseConfig g1;
  g1.learner = LearnerKind::kGaussian;
  g1.samples = 30;
  g1.generations = 15;
  g1.replicates = 21;
  g1.alpha.kind = AlphaKind::kHarmonic;
  configs.push_back(g1);
  CollapseConfig s;
  s.learner = LearnerKind::kSymbolic;
  s.machine = "1RB1RA_1RZ0RA";
  s.samples = 10;
  s.generations = 10;
  s.replicates = 9;
  configs.push_back(s);
  for (auto c : configs) {
    c.threads = 1;
    const auto one = run_collapse(c);
    c.threads = 2;
    const auto two = run_collapse(c);
    ASSERT_EQ(one.values.size(), two.values.size());
    for (size_t i = 0; i < one.values.size(); ++i)
      if (!std::isnan(one.values[i])) ASSERT_EQ(one.values[i], two.values[i]) << name_of(c.learner) << " value " << i;
    c.seed += 1;
    const auto other = run_collapse(c);
    EXPECT_NE(one.values, other.values) << name_of(c.learner);
  }
}

// Issue 13 point 4: the replicates run on parallel_for, so a throw in a worker (here the progress
// callback, which runs there) reaches the caller as an exception instead of ending the process.
TEST(CollapseRunner, AThrowInAReplicateWorkerBecomesAnError) {
  CollapseConfig c = categorical({0.5, 0.5}, 20, 5, 64);
  for (int threads : {1, 3}) {
    c.threads = threads;
    EXPECT_THROW(run_collapse(c, [](int done, int) { if (done == 4) throw std::runtime_error("stop"); }), std::runtime_error);
  }
}

TEST(CollapseSymbolic, MachineOnInputFollowsTheDefinition) {
  // 1RB1RA_1RZ0RA: A0 -> 1RB, A1 -> 1RA, B0 -> halt writing 1, B1 -> 0RA.
  EXPECT_EQ(run_on_input("1RB1RA_1RZ0RA", 4, 0b0000, 20), "11");
  EXPECT_EQ(run_on_input("1RB1RA_1RZ0RA", 4, 0b0001, 20), "111");
  EXPECT_EQ(run_on_input("1RB1RA_1RZ0RA", 4, 0b0010, 20), "1011");
  EXPECT_EQ(run_on_input("1LZ1LZ", 4, 0b0110, 5), "1");
  EXPECT_EQ(run_on_input("0RA0RA", 2, 0, 5), "*");
}

TEST(CollapseSymbolic, SpaceCoversEveryMachineAndTheLearnerDoesNotCollapse) {
  const SymbolicSpace space = build_symbolic_space(2, 4, 20, 2, kTable, 1.0);
  uint64_t machines = 0;
  for (const auto& b : space.behaviours) machines += b.multiplicity;
  EXPECT_EQ(machines, 10000u);
  EXPECT_GE(find_behaviour(space, "1RB1RA_1RZ0RA"), 0);
  CollapseConfig c;
  c.machine = "1RB1RA_1RZ0RA";
  c.samples = 30;
  c.generations = 40;
  c.replicates = 200;
  c.threads = 2;
  c.table_path = kTable;
  c.learner = LearnerKind::kSymbolic;
  const auto sym = run_collapse(c, &space);
  c.learner = LearnerKind::kDensity;
  const auto den = run_collapse(c, &space);
  const double id = summarize(sym, sym.metric_index("identified"), 40).mean;
  EXPECT_GE(id, 0.9);
  EXPECT_NEAR(summarize(sym, sym.metric_index("identified"), 0).mean, 1.0, 0);
  const int h = sym.metric_index("entropy");
  EXPECT_NEAR(summarize(sym, h, 40).mean, summarize(sym, h, 0).mean, 0.1 * summarize(sym, h, 0).mean);
  EXPECT_LT(summarize(den, h, 40).mean, 0.6 * summarize(den, h, 0).mean);
  EXPECT_GT(summarize(den, den.metric_index("support_loss"), 40).mean, 0.9);
  EXPECT_GT(summarize(sym, sym.metric_index("bdm"), 40).mean, 0.0);
}

TEST(CollapseBdm, SmallBdmUsesTheD52Table) {
  const SmallBdm b(kTable);
  EXPECT_NEAR(b.k("0"), 2.5142767361233522, 1e-12);
  EXPECT_NEAR(b.bdm(std::string(24, '0')), b.k(std::string(12, '0')) + 1.0, 1e-12);
  EXPECT_NEAR(b.bdm("0101010101011"), b.k("010101010101") + b.k("1"), 1e-12);
}

