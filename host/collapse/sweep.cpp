// Sweeps of the collapse simulator (phase diagrams): parse the axes, run every combination of the
// grid with its own independent stream, and reduce each run to per-generation summaries of chosen
// metrics and per-combination quantities (final entropy, fixation, time to loss, drift, W2 plateau)
// beside their closed forms (Wright-Fisher absorption time, grounded Gini-Simpson equilibrium).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

namespace ctm::collapse {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double parse_number(const std::string& key, const std::string& text) {
  size_t used = 0;
  double v = kNaN;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v))
    throw Error("sweep: '" + key + "=" + text + "': not a number");
  return v;
}

int parse_int(const std::string& key, const std::string& text) {
  const double v = parse_number(key, text);
  if (v != std::floor(v) || std::fabs(v) > 2e9) throw Error("sweep: '" + key + "=" + text + "': not an integer");
  return static_cast<int>(v);
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return std::string(buf) == "-0" ? "0" : buf;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

}  // namespace

SweepAxis parse_sweep_axis(const std::string& spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw Error("sweep: '" + spec + "' is not KEY=V1,V2,... or KEY=LO:HI:STEP");
  SweepAxis a;
  a.key = spec.substr(0, eq);
  const std::string rest = spec.substr(eq + 1);
  if (rest.find(':') != std::string::npos) {
    const auto parts = split(rest, ':');
    if (parts.size() != 3) throw Error("sweep: range '" + spec + "' must be LO:HI:STEP");
    const double lo = parse_number(a.key, parts[0]), hi = parse_number(a.key, parts[1]),
                 step = parse_number(a.key, parts[2]);
    if (!(step > 0) || hi < lo) throw Error("sweep: range '" + spec + "' needs LO <= HI and STEP > 0");
    const double n = std::floor((hi - lo) / step + 1e-9);
    if (n > 100000) throw Error("sweep: range '" + spec + "' has more than 100000 values");
    for (long i = 0; i <= static_cast<long>(n); ++i) a.values.push_back(format_value(lo + i * step));
  } else {
    a.values = split(rest, ',');
    for (const auto& v : a.values)
      if (v.empty()) throw Error("sweep: '" + spec + "' has an empty value");
  }
  return a;
}

void set_config_key(CollapseConfig& c, const std::string& key, const std::string& v) {
  auto num = [&] { return parse_number(key, v); };
  auto integer = [&] { return parse_int(key, v); };
  if (key == "alpha") {
    c.alpha = AlphaSchedule{};
    c.alpha.value = num();
    c.alpha.kind = c.alpha.value == 0 ? AlphaKind::kZero : AlphaKind::kConstant;
  } else if (key == "samples" || key == "N") c.samples = integer();
  else if (key == "generations") c.generations = integer();
  else if (key == "replicates") c.replicates = integer();
  else if (key == "lambda") c.lambda = num();
  else if (key == "eps_fp") { c.eps_fp = num(); c.verifier = true; }
  else if (key == "eps_fn") { c.eps_fn = num(); c.verifier = true; }
  else if (key == "categories") { c.categories = integer(); c.p0.clear(); c.values.clear(); }
  else if (key == "dim") c.dim = integer();
  else if (key == "mu0") c.mu0 = num();
  else if (key == "sigma0") c.sigma0 = num();
  else if (key == "smoothing") c.smoothing = num();
  else if (key == "initial_samples") c.initial_samples = integer();
  else if (key == "diameter") {
    const double d = num();
    if (!(d >= 0)) throw Error("sweep: diameter must be >= 0, got " + v);
    const int k = c.p0.empty() ? c.categories : static_cast<int>(c.p0.size());
    if (k < 2) throw Error("sweep: diameter needs at least 2 categories");
    c.values.resize(k);
    for (int i = 0; i < k; ++i) c.values[i] = d * i / (k - 1);
  } else if (key == "input_bits") c.input_bits = integer();
  else if (key == "space_states") c.space_states = integer();
  else if (key == "cutoff") {
    const int x = integer();
    if (x < 1) throw Error("sweep: cutoff must be >= 1, got " + v);
    c.cutoff = static_cast<uint32_t>(x);
  } else if (key == "prior_weight") c.prior_weight = num();
  else if (key == "tail_quantile") c.tail_quantile = num();
  else if (key == "ols_dim") c.ols_dim = integer();
  else if (key == "ols_noise") c.ols_noise = num();
  else if (key == "em_iterations") c.em_iterations = integer();
  else if (key == "learner") c.learner = parse_learner(v);
  else if (key == "workflow") c.workflow = parse_workflow(v);
  else if (key == "estimator") {
    if (v != "mle" && v != "unbiased") throw Error("sweep: estimator must be mle or unbiased, got '" + v + "'");
    c.unbiased = v == "unbiased";
  } else {
    throw Error("sweep: unknown key '" + key + "' (alpha, samples, generations, replicates, lambda, eps_fp, eps_fn, "
                "categories, dim, mu0, sigma0, smoothing, initial_samples, diameter, input_bits, space_states, cutoff, "
                "prior_weight, tail_quantile, ols_dim, ols_noise, em_iterations, learner, workflow, estimator)");
  }
}

// ---------------------------------------------------------------------------------------------
double wright_fisher_absorption_time(int n, int i) {
  if (n < 1 || i < 0 || i > n) throw Error("wright_fisher_absorption_time: need 0 <= i <= n, n >= 1");
  if (i == 0 || i == n) return 0;
  // Transient states 1..n-1: (I - Q) t = 1 with Q[a][b] = Bin(n, a/n)(b), by Gaussian elimination.
  const int m = n - 1;
  std::vector<double> lf(n + 1, 0.0), a(static_cast<size_t>(m) * m, 0.0), t(m, 1.0);
  for (int k = 1; k <= n; ++k) lf[k] = lf[k - 1] + std::log(static_cast<double>(k));
  for (int r = 1; r <= m; ++r) {
    const double p = static_cast<double>(r) / n;
    for (int s = 1; s <= m; ++s)
      a[static_cast<size_t>(r - 1) * m + (s - 1)] =
          (r == s ? 1.0 : 0.0) - std::exp(lf[n] - lf[s] - lf[n - s] + s * std::log(p) + (n - s) * std::log1p(-p));
  }
  for (int col = 0; col < m; ++col) {
    int piv = col;
    for (int r = col + 1; r < m; ++r)
      if (std::fabs(a[static_cast<size_t>(r) * m + col]) > std::fabs(a[static_cast<size_t>(piv) * m + col])) piv = r;
    if (piv != col) {
      for (int k = 0; k < m; ++k) std::swap(a[static_cast<size_t>(col) * m + k], a[static_cast<size_t>(piv) * m + k]);
      std::swap(t[col], t[piv]);
    }
    const double d = a[static_cast<size_t>(col) * m + col];
    for (int r = col + 1; r < m; ++r) {
      const double f = a[static_cast<size_t>(r) * m + col] / d;
      if (f == 0) continue;
      for (int k = col; k < m; ++k) a[static_cast<size_t>(r) * m + k] -= f * a[static_cast<size_t>(col) * m + k];
      t[r] -= f * t[col];
    }
  }
  for (int r = m - 1; r >= 0; --r) {
    double v = t[r];
    for (int k = r + 1; k < m; ++k) v -= a[static_cast<size_t>(r) * m + k] * t[k];
    t[r] = v / a[static_cast<size_t>(r) * m + r];
  }
  return t[i - 1];
}

double diffusion_absorption_time(const std::vector<double>& p, int n) {
  double s = 0;
  for (double x : p)
    if (x > 0 && x < 1) s += -2.0 * n * (1 - x) * std::log(1 - x);
  return s;
}

double grounded_gini_equilibrium(double gini_truth, int n, double alpha) {
  const double a = std::lround(alpha * n) / static_cast<double>(n);  // fixed counts: round(alpha N) real items
  return gini_truth * (1 - 1 / (n * a * (2 - a) + 1 - a));
}

namespace {

// Generation 0 is P* itself; generation 1 draws N items from it, then the 2-type chain runs:
// E[T] = 1 + sum_i Bin(N, p)(i) t_i (t_0 = t_N = 0).
double wright_fisher_fixation_time_from(double p, int n) {
  std::vector<double> lf(n + 1, 0.0);
  for (int k = 1; k <= n; ++k) lf[k] = lf[k - 1] + std::log(static_cast<double>(k));
  double total = 1;
  for (int i = 1; i < n; ++i)
    total += std::exp(lf[n] - lf[i] - lf[n - i] + i * std::log(p) + (n - i) * std::log1p(-p)) *
             wright_fisher_absorption_time(n, i);
  return total;
}

bool has_metric(const CollapseResult& r, const std::string& m) {
  return std::find(r.metrics.begin(), r.metrics.end(), m) != r.metrics.end();
}

// Mean over replicates of each replicate's average over generations [from, G], with its standard error.
SweepQuantity plateau(const CollapseResult& r, const std::string& metric, const std::string& name) {
  const int m = r.metric_index(metric), from = r.generations / 2;
  double sum = 0, sum2 = 0;
  int n = 0;
  for (int rep = 0; rep < r.replicates; ++rep) {
    double s = 0;
    int k = 0;
    for (int t = from; t <= r.generations; ++t)
      if (std::isfinite(r.value(rep, t, m))) { s += r.value(rep, t, m); ++k; }
    if (k == 0) continue;
    s /= k;
    sum += s;
    sum2 += s * s;
    ++n;
  }
  SweepQuantity q{name, kNaN, kNaN, kNaN};
  if (n > 0) q.value = sum / n;
  if (n > 1) q.se = std::sqrt(std::max(0.0, (sum2 / n - q.value * q.value) * n / (n - 1)) / n);
  return q;
}

std::vector<SweepQuantity> summarize_run(const CollapseResult& r, double loss) {
  std::vector<SweepQuantity> out;
  const int g = r.generations;
  auto final_of = [&](const std::string& metric, const std::string& name, double closed) {
    if (!has_metric(r, metric)) return;
    const MetricSummary s = summarize(r, r.metric_index(metric), g);
    out.push_back({name, s.mean, s.se, closed});
  };
  auto expected_at_end = [&](const std::string& metric) {
    auto e = r.expected.find(metric);
    return e == r.expected.end() ? kNaN : e->second[g];
  };
  const CollapseConfig& c = r.config;
  final_of("entropy", "final_entropy", kNaN);
  if (!r.initial_mass.empty()) {  // categorical family
    const auto gs = r.reference.find("gini_stationary");
    final_of("gini_simpson", "final_gini_simpson",
             gs != r.reference.end() ? gs->second : expected_at_end("gini_simpson"));
    int fixed = 0;
    double ts = 0, ts2 = 0;
    for (int rep = 0; rep < r.replicates; ++rep)
      if (r.fixation_time[rep] >= 0) { ++fixed; ts += r.fixation_time[rep]; ts2 += double(r.fixation_time[rep]) * r.fixation_time[rep]; }
    const double share = static_cast<double>(fixed) / r.replicates;
    out.push_back({"fixed_share", share, std::sqrt(share * (1 - share) / r.replicates), kNaN});
    // Closed form of the mean fixation time (alpha = 0 loop from P*): exact 2-type chain, else diffusion.
    double closed = kNaN;
    const bool pure = r.reference.count("absorption_time_diffusion") > 0;
    if (pure) {
      std::vector<double> p;
      for (double x : r.initial_mass) if (x > 0) p.push_back(x);
      closed = p.size() == 2 && c.samples <= 2000 ? wright_fisher_fixation_time_from(p[0], c.samples)
                                                  : r.reference.at("absorption_time_diffusion");
    }
    const double mt = fixed ? ts / fixed : kNaN;
    out.push_back({"fixation_time", mt, fixed > 1 ? std::sqrt(std::max(0.0, ts2 / fixed - mt * mt) / (fixed - 1)) : kNaN,
                   closed});
    if (has_metric(r, "mean_drift")) {
      final_of("mean_drift", "final_mean_drift", expected_at_end("mean_drift"));
      const auto b = r.reference.find("drift_bound_d2_over_4");
      double bound = b != r.reference.end() ? b->second : kNaN;
      if (std::isnan(bound)) {  // the bound holds for every alpha: D^2 / 4 over P*'s support
        double lo = 1e300, hi = -1e300;
        const auto& v = c.values;
        for (size_t i = 0; i < r.initial_mass.size(); ++i)
          if (r.initial_mass[i] > 0) {
            const double x = v.empty() ? static_cast<double>(i) : v[i];
            lo = std::min(lo, x);
            hi = std::max(hi, x);
          }
        if (c.learner == LearnerKind::kCategorical) bound = (hi - lo) * (hi - lo) / 4;
      }
      out.push_back({"drift_bound_d2_over_4", bound, kNaN, kNaN});
    }
    if (has_metric(r, "identified")) final_of("identified", "final_identified", kNaN);
  } else if (c.learner == LearnerKind::kGaussian) {
    final_of("sigma", "final_sigma", expected_at_end("sigma"));
    final_of("mean_drift", "final_mean_drift", expected_at_end("mean_drift"));
    if (!c.light_metrics) {
      out.push_back(plateau(r, "w2", "w2_plateau"));
      out.push_back(plateau(r, "w2_squared", "w2_squared_plateau"));
    }
  } else if (c.learner == LearnerKind::kOls) {
    final_of("test_error", "final_test_error", expected_at_end("test_error"));
  }
  // Time to loss: the first generation whose mean entropy is at most (1 - loss) of generation 0's.
  if (has_metric(r, "entropy") && !r.initial_mass.empty()) {
    const int m = r.metric_index("entropy");
    auto mean_at = [&](int t) {  // mean over replicates with a finite value (no quantiles needed)
      double sum = 0;
      int n = 0;
      for (int rep = 0; rep < r.replicates; ++rep)
        if (std::isfinite(r.value(rep, t, m))) { sum += r.value(rep, t, m); ++n; }
      return n ? sum / n : kNaN;
    };
    const double h0 = mean_at(0);
    double when = kNaN;
    for (int t = 0; t <= g; ++t)
      if (mean_at(t) <= (1 - loss) * h0) { when = t; break; }
    out.push_back({"time_to_loss", when, kNaN, kNaN});
  }
  return out;
}

}  // namespace

double SweepPoint::quantity(const std::string& name, double SweepQuantity::*field) const {
  for (const auto& q : summary)
    if (q.name == name) return q.*field;
  return kNaN;
}

SweepResult run_sweep(const SweepSpec& spec, ProgressFn progress) {
  const auto start = std::chrono::steady_clock::now();
  if (spec.axes.empty()) throw Error("sweep: no axis (give --sweep KEY=V1,V2,...)");
  if (!(spec.loss > 0 && spec.loss < 1)) throw Error("sweep: the loss fraction must lie in (0, 1)");
  if (spec.every < 0) throw Error("sweep: every must be >= 0");
  size_t total = 1;
  for (const auto& a : spec.axes) {
    if (a.values.empty()) throw Error("sweep: axis '" + a.key + "' has no values");
    total *= a.values.size();
    if (total > 100000) throw Error("sweep: more than 100000 combinations");
  }
  SweepResult res;
  res.spec = spec;
  // Every combination is built and validated before the first run, so a bad value costs nothing.
  for (size_t idx = 0; idx < total; ++idx) {
    SweepPoint p;
    p.config = spec.base;
    size_t rest = idx;
    std::vector<size_t> pick(spec.axes.size());
    for (size_t k = spec.axes.size(); k-- > 0;) {
      pick[k] = rest % spec.axes[k].values.size();
      rest /= spec.axes[k].values.size();
    }
    std::string label;
    for (size_t k = 0; k < spec.axes.size(); ++k) {
      const std::string& v = spec.axes[k].values[pick[k]];
      p.values.push_back(v);
      set_config_key(p.config, spec.axes[k].key, v);
      label += (label.empty() ? "" : ",") + spec.axes[k].key + "=" + v;
    }
    p.config.label = label;
    if (!spec.paired) p.config.stream = static_cast<uint32_t>(idx + 1);
    try {
      p.config.validate();
    } catch (const Error& e) {
      throw Error("sweep point " + label + ": " + e.what());
    }
    res.points.push_back(std::move(p));
  }
  std::unique_ptr<SymbolicSpace> space;
  for (size_t idx = 0; idx < total; ++idx) {
    SweepPoint& p = res.points[idx];
    const CollapseConfig& c = p.config;
    const SymbolicSpace* sp = nullptr;
    if (c.learner == LearnerKind::kSymbolic || c.learner == LearnerKind::kDensity) {
      if (!space || space->states != c.space_states || space->input_bits != c.input_bits || space->cutoff != c.cutoff)
        space = std::make_unique<SymbolicSpace>(
            build_symbolic_space(c.space_states, c.input_bits, c.cutoff, c.threads, c.table_path, c.prior_weight));
      sp = space.get();
    }
    const CollapseResult r = run_collapse(c, sp);
    p.seconds = r.seconds;
    p.metrics = spec.metrics.empty() ? r.metrics : spec.metrics;
    for (const auto& m : p.metrics)
      if (!has_metric(r, m)) throw Error("sweep: metric '" + m + "' is not computed for learner " + name_of(c.learner));
    const int every = spec.every > 0 ? spec.every : std::max(1, r.generations / 100);
    for (int t = 0; t <= r.generations; t += every) p.generations.push_back(t);
    if (p.generations.back() != r.generations) p.generations.push_back(r.generations);
    for (const auto& m : p.metrics) {
      const int mi = r.metric_index(m);
      std::vector<MetricSummary> s;
      for (int t : p.generations) s.push_back(summarize(r, mi, t));
      p.series.push_back(std::move(s));
    }
    p.summary = summarize_run(r, spec.loss);
    if (progress) progress(static_cast<int>(idx + 1), static_cast<int>(total));
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace ctm::collapse
