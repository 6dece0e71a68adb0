// The collapse loop's runner: parses the learner once, lets its family (learner_*.cpp) set up the
// truth and closed forms, and runs the replicates on threads. Every random draw comes from a
// RandomStream keyed by (run key, replicate, generation, stream), so results do not depend on the
// thread count. Also the per-generation summaries over replicates.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>

#include "engine/parallel.hpp"
#include "internal.hpp"

namespace ctm::collapse {

using namespace detail;

int CollapseResult::metric_index(const std::string& name) const {
  for (size_t i = 0; i < metrics.size(); ++i) if (metrics[i] == name) return static_cast<int>(i);
  throw Error("collapse result: no metric '" + name + "' for learner " + name_of(config.learner));
}

CollapseResult run_collapse(const CollapseConfig& config, ProgressFn progress) {
  return run_collapse(config, nullptr, progress);
}

namespace {
std::unique_ptr<Learner> make_learner(LearnerKind kind) {
  switch (kind) {
    case LearnerKind::kCategorical:
    case LearnerKind::kDensity:
    case LearnerKind::kSymbolic: return make_categorical_learner();
    case LearnerKind::kGaussian: return make_gaussian_learner();
    case LearnerKind::kGmm: return make_gmm_learner();
    case LearnerKind::kOls: return make_ols_learner();
  }
  throw Error("collapse: unhandled learner");
}
}  // namespace

CollapseResult run_collapse(const CollapseConfig& config, const SymbolicSpace* given_space, ProgressFn progress) {
  config.validate();
  const auto start = std::chrono::steady_clock::now();
  const CollapseConfig& c = config;
  Context ctx(c);
  CollapseResult r;
  r.config = c;
  r.generations = c.generations;
  r.replicates = c.replicates;
  ctx.alpha.assign(c.generations + 1, 0.0);
  for (int t = 1; t <= c.generations; ++t) ctx.alpha[t] = c.alpha.at(t);
  const std::unique_ptr<Learner> learner = make_learner(ctx.learner);
  learner->prepare(ctx, r, given_space);

  const size_t m = r.metrics.size();
  const size_t per_rep = static_cast<size_t>(c.generations + 1) * m;
  r.values.assign(per_rep * c.replicates, kNaN);
  r.fixation_time.assign(c.replicates, -1);
  r.fixation_winner.assign(c.replicates, -1);
  int threads = ctm::detail::thread_count(c.threads);
  threads = std::min(threads, c.replicates);
  r.threads_used = threads;
  std::atomic<int> done{0};
  std::mutex progress_mutex;
  ctm::detail::parallel_for(static_cast<size_t>(c.replicates), threads, [&](int, size_t i) {
    const int rep = static_cast<int>(i);
    try {
      ReplicateOut out{r.values.data() + per_rep * rep, m};
      learner->run_replicate(ctx, rep, out);
      r.fixation_time[rep] = out.fix_time;
      r.fixation_winner[rep] = out.fix_winner;
    } catch (const std::exception& e) {
      throw Error("collapse run '" + c.label + "': replicate " + std::to_string(rep) + ": " + e.what());
    }
    const int d = done.fetch_add(1) + 1;
    if (progress) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      progress(d, c.replicates);
    }
  });
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