// Learner family 4: ordinary least squares on a fixed design X (T x d, shared by the replicates), y =
// X w* + noise (Gerstgrasser et al.'s replace vs accumulate), with the closed forms n sigma^2 tr((X'X)^-1)
// (replace) and sigma^2 tr((X'X)^-1) sum 1/i^2 < pi^2/6 sigma^2 tr((X'X)^-1) (accumulate).
#include <cmath>

#include "internal.hpp"

namespace ctm::collapse::detail {
namespace {

// OLS on a fixed design: an item is (row of X, label); P_t is the fitted weight vector.
struct OlsRow {
  double test_error, log_test_error;
};
const MetricField<OlsRow> kOlsFields[] = {{"test_error", &OlsRow::test_error},
                                          {"log_test_error", &OlsRow::log_test_error}};

void run_ols_replicate(const Context& ctx, uint32_t rep, ReplicateOut& out) {
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
    write_row(kOlsFields, OlsRow{e, std::log(e)}, out.values + static_cast<size_t>(t) * out.stride);
  };
  record(0);
  for (int t = 1; t <= c.generations; ++t) {
    row_cursor = 0;
    fit(build_training_set(ctx, st, 2, rep, t, real, synth, right));
    record(t);
  }
}

class OlsLearner final : public Learner {
 public:
  void prepare(Context& ctx, CollapseResult& r, const SymbolicSpace*) override {
    const CollapseConfig& c = ctx.c;
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
    r.metrics = metric_names(kOlsFields);
    closed_forms(ctx, r);
  }
  void run_replicate(const Context& ctx, uint32_t rep, ReplicateOut& out) const override {
    run_ols_replicate(ctx, rep, out);
  }

 private:
  static void closed_forms(const Context& ctx, CollapseResult& r) {
    const CollapseConfig& c = ctx.c;
    const int g = c.generations;
    if (c.alpha.kind == AlphaKind::kZero && !c.verifier && c.initial_samples == 0 && c.lambda == 1) {
      const double base = c.ols_noise * c.ols_noise * ctx.trace_inv;
      r.reference["sigma2_trace_xtx_inv"] = base;
      r.reference["sigma2_d_over_T_d_1"] = c.ols_noise * c.ols_noise * ctx.ols_d / (ctx.ols_t - ctx.ols_d - 1.0);
      r.reference["accumulate_limit_pi2_6"] = base * kPi * kPi / 6;
      if (ctx.workflow == Workflow::kReplace || ctx.workflow == Workflow::kAccumulate) {
        std::vector<double> e(g + 1, 0.0);
        double h2 = 0;
        for (int t = 1; t <= g; ++t) {
          h2 += 1.0 / (static_cast<double>(t) * t);
          e[t] = ctx.workflow == Workflow::kReplace ? t * base : base * h2;
        }
        r.expected["test_error"] = e;
      }
    }
  }
};

}  // namespace

std::unique_ptr<Learner> make_ols_learner() { return std::make_unique<OlsLearner>(); }

}  // namespace ctm::collapse::detail
