// Learner family 1: categorical models (Wright-Fisher), and the density and symbolic learners over a
// machine's output strings. Truth set-up, the replicate loop (multinomial direct path or item path),
// per-generation metrics and the closed forms of the spec (Gini-Simpson decay, bounded mean drift,
// grounded Gini equilibrium, diffusion absorption time).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "internal.hpp"

namespace ctm::collapse::detail {
namespace {

struct CategoricalRow {
  double entropy, entropy_mm, gini_simpson, support, missing_mass, kl_truth_model, support_loss, kl_model_truth, tv,
      js, w1, w2, mean, mean_drift, variance_ratio, tail_mass, fixed, total_mass;
  double identified = kNaN, bdm = kNaN;  // density / symbolic only
};
using F = MetricField<CategoricalRow>;
const F kCategoricalFields[] = {
    {"entropy", &CategoricalRow::entropy}, {"entropy_mm", &CategoricalRow::entropy_mm},
    {"gini_simpson", &CategoricalRow::gini_simpson}, {"support", &CategoricalRow::support},
    {"missing_mass", &CategoricalRow::missing_mass}, {"kl_truth_model", &CategoricalRow::kl_truth_model},
    {"support_loss", &CategoricalRow::support_loss}, {"kl_model_truth", &CategoricalRow::kl_model_truth},
    {"tv", &CategoricalRow::tv}, {"js", &CategoricalRow::js}, {"w1", &CategoricalRow::w1}, {"w2", &CategoricalRow::w2},
    {"mean", &CategoricalRow::mean}, {"mean_drift", &CategoricalRow::mean_drift},
    {"variance_ratio", &CategoricalRow::variance_ratio}, {"tail_mass", &CategoricalRow::tail_mass},
    {"fixed", &CategoricalRow::fixed}, {"total_mass", &CategoricalRow::total_mass}};
const F kStringFields[] = {{"identified", &CategoricalRow::identified}, {"bdm", &CategoricalRow::bdm}};
constexpr size_t kCategoricalCount = sizeof kCategoricalFields / sizeof kCategoricalFields[0];

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
                         double n_train, bool q_is_counts, const CatStats& s0, CategoricalRow& row) {
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
  row.entropy = h;
  row.entropy_mm = h_mm;
  row.gini_simpson = 1 - gini;
  row.support = support;
  row.missing_mass = missing;
  row.kl_truth_model = kl_pq;
  row.support_loss = full ? (lost ? 1.0 : 0.0) : kNaN;
  row.kl_model_truth = kl_qp;
  row.tv = 0.5 * tv;
  row.js = js;
  row.w1 = full ? w_on_line(ctx, p, q, 1) : kNaN;
  row.w2 = full ? w_on_line(ctx, p, q, 2) : kNaN;
  row.mean = s.mean;
  row.mean_drift = (s.mean - s0.mean) * (s.mean - s0.mean);
  row.variance_ratio = s0.var > 0 ? s.var / s0.var : kNaN;
  row.tail_mass = tail;
  row.fixed = support == 1 ? 1.0 : 0.0;
  row.total_mass = total;
}

void run_categorical_replicate(const Context& ctx, uint32_t rep, ReplicateOut& out) {
  const CollapseConfig& c = ctx.c;
  const int k = ctx.k;
  const bool symbolic = ctx.learner == LearnerKind::kSymbolic;
  const bool string_family = symbolic || ctx.learner == LearnerKind::kDensity;
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
      for (int i = 0; i < k; ++i) vocab += (ctx.support_alphabet || vocabulary[i]) ? 1 : 0;
      for (int i = 0; i < k; ++i)
        q[i] = (ctx.support_alphabet || vocabulary[i]) ? (counts[i] + sm) / (n + sm * vocab) : 0.0;
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
  const bool direct = ctx.new_batch_only() && !c.verifier && !c.fixed_real;
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
    CategoricalRow row;
    categorical_metrics(ctx, q, counts, n_train, q_is_counts && n_train > 0, s0, row);
    double* dst = out.values + static_cast<size_t>(t) * out.stride;
    int support = 0, winner = -1;
    for (int i = 0; i < k; ++i) if (q[i] > 0) { ++support; winner = i; }
    if (support == 1 && out.fix_time < 0) { out.fix_time = t; out.fix_winner = winner; }
    write_row(kCategoricalFields, row, dst);
    if (string_family) {
      if (symbolic) row.identified = behaviour == ctx.truth_behaviour ? 1.0 : 0.0;
      else {
        bool same = true;
        for (int i = 0; i < k && same; ++i) same = std::fabs(q[i] - ctx.p_star[i]) < 1e-12;
        row.identified = same ? 1.0 : 0.0;
      }
      // BDM of the generated items: mean over the training sample (non-halting items left out).
      double total = 0, items = 0;
      for (uint32_t i : touched)
        if (!std::isnan(ctx.output_bdm[i])) { total += counts[i] * ctx.output_bdm[i]; items += counts[i]; }
      row.bdm = items > 0 ? total / items : kNaN;
      write_row(kStringFields, row, dst + kCategoricalCount);
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


class CategoricalLearner final : public Learner {
 public:
  void prepare(Context& ctx, CollapseResult& r, const SymbolicSpace* given_space) override {
    const CollapseConfig& c = ctx.c;
    if (ctx.learner == LearnerKind::kCategorical) {
      ctx.p_star = c.p0.empty() ? std::vector<double>(c.categories, 1.0 / c.categories) : c.p0;
      double sum = std::accumulate(ctx.p_star.begin(), ctx.p_star.end(), 0.0);
      for (double& p : ctx.p_star) p /= sum;
      ctx.k = static_cast<int>(ctx.p_star.size());
      ctx.values = c.values;
      if (ctx.values.empty()) for (int i = 0; i < ctx.k; ++i) ctx.values.push_back(i);
      r.metrics = metric_names(kCategoricalFields);
    } else {
      if (!given_space) {
        own_space_ = build_symbolic_space(c.space_states, c.input_bits, c.cutoff, c.threads, c.table_path, c.prior_weight);
        given_space = &own_space_;
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
      // BDM of each output string once (NaN: no table, or "*" for no halt).
      ctx.output_bdm.assign(ctx.k, kNaN);
      if (!c.table_path.empty()) {
        const SmallBdm bdm(c.table_path);
        for (int i = 0; i < ctx.k; ++i)
          if (given_space->outputs[i] != "*") ctx.output_bdm[i] = bdm.bdm(given_space->outputs[i]);
      }
      r.metrics = metric_names(kCategoricalFields);
      for (const auto& f : kStringFields) r.metrics.emplace_back(f.name);
      r.reference["space_behaviours"] = static_cast<double>(given_space->behaviours.size());
      r.reference["space_build_seconds"] = given_space->build_seconds;
      r.reference["truth_behaviour"] = ctx.truth_behaviour;
    }
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
    closed_forms(ctx, r);
  }
  void run_replicate(const Context& ctx, uint32_t rep, ReplicateOut& out) const override {
    run_categorical_replicate(ctx, rep, out);
  }

 private:
  SymbolicSpace own_space_;

  static void closed_forms(const Context& ctx, CollapseResult& r) {
    const CollapseConfig& c = ctx.c;
    const int g = c.generations;
    const bool pure = ctx.pure_loop();
    const double n = c.samples;
    if (ctx.learner != LearnerKind::kSymbolic) {  // density: MLE over observed strings
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
      if (c.alpha.kind == AlphaKind::kConstant && ctx.new_batch_only() && !c.iid_mixture &&
          !c.verifier && c.lambda == 1 && c.smoothing == 0 && !c.fixed_real) {
        const double a = std::lround(c.alpha.value * n) / n;
        r.reference["gini_stationary"] = g0 * (1 - 1 / (n * a * (2 - a) + 1 - a));
      }
    }
  }
};

}  // namespace

std::unique_ptr<Learner> make_categorical_learner() { return std::make_unique<CategoricalLearner>(); }

}  // namespace ctm::collapse::detail
