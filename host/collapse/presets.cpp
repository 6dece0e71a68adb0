// Presets that rerun published set-ups (docs/collapse.md, "Presets"). Runs of a preset presented as
// independent draw from independent streams (CollapseConfig::stream = run index); a preset meant as a
// paired comparison (gerstgrasser-ols: one design, the workflows side by side) shares one stream.
#include <cmath>
#include <cstdio>

#include "ctm/bdm.hpp"
#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

namespace ctm::collapse {

std::vector<std::string> preset_names() {
  return {"shumailov-gaussian", "shumailov-gmm", "gerstgrasser-ols", "mad-fully-synthetic", "mad-fresh",
          "bertrand-mix", "zenil-grounded", "zenil-symbolic"};
}

std::vector<CollapseConfig> preset(const std::string& name) {
  std::vector<CollapseConfig> runs;
  if (name == "shumailov-gaussian") {
    // Shumailov et al. 2024, 1-D Gaussian refit on M samples, 1000 generations (unbiased variance).
    for (int m : {100, 500, 1000, 10000}) {
      CollapseConfig c;
      c.label = "M=" + std::to_string(m);
      c.learner = LearnerKind::kGaussian;
      c.unbiased = true;
      c.samples = m;
      c.generations = 1000;
      c.replicates = 100;
      c.stream = static_cast<uint32_t>(runs.size());  // the four M are independent
      runs.push_back(c);
    }
  } else if (name == "shumailov-gmm") {
    CollapseConfig c;
    c.label = "gmm-N=1000";
    c.learner = LearnerKind::kGmm;
    c.samples = 1000;
    c.generations = 2050;
    c.replicates = 10;
    c.gmm_means = {-2, 2};
    c.gmm_sigmas = {1, 1};
    c.em_iterations = 50;
    runs.push_back(c);
  } else if (name == "gerstgrasser-ols") {
    for (std::string wf : {"replace", "accumulate", "accumulate-subsample"}) {
      CollapseConfig c;
      c.label = wf;
      c.learner = LearnerKind::kOls;
      c.workflow = parse_workflow(wf);
      c.samples = 64;
      c.ols_dim = 10;
      c.ols_noise = 1;
      c.generations = 100;
      c.replicates = 400;
      runs.push_back(c);  // stream 0 for all three: common random numbers, a paired comparison
    }
  } else if (name == "mad-fully-synthetic") {
    for (double lambda : {1.0, 0.8}) {
      CollapseConfig c;
      c.label = "lambda=" + std::string(lambda == 1 ? "1" : "0.8");
      c.learner = LearnerKind::kGaussian;
      c.dim = 100;
      c.samples = 1000;
      c.lambda = lambda;
      c.unbiased = true;  // Alemohammad et al. fit the covariance with the unbiased (N-1) estimator
      c.generations = 50;
      c.replicates = 8;
      c.stream = static_cast<uint32_t>(runs.size());
      runs.push_back(c);
    }
  } else if (name == "mad-fresh") {
    for (double lambda : {1.0, 0.8})
      for (int n0 : {100, 1000}) {  // the paper's initial sample sizes
        CollapseConfig c;
        c.label = "lambda=" + std::string(lambda == 1 ? "1" : "0.8") + ",n0=" + std::to_string(n0);
        c.learner = LearnerKind::kGaussian;
        c.dim = 100;
        c.workflow = Workflow::kFresh;
        c.alpha.kind = AlphaKind::kConstant;
        c.alpha.value = 0.1;  // n_r = 100 real + n_s = 900 synthetic
        c.samples = 1000;
        c.initial_samples = n0;
        c.lambda = lambda;
        c.unbiased = true;  // as in the paper
        c.generations = 40;
        c.replicates = 6;
        c.stream = static_cast<uint32_t>(runs.size());  // independent chains: the plateau must not depend on n0
        runs.push_back(c);
      }
  } else if (name == "bertrand-mix") {
    for (double lb : {0.1, 0.5, 1.0, 2.0, 10.0}) {
      CollapseConfig c;
      char buf[32];
      std::snprintf(buf, sizeof buf, "lambda_B=%g", lb);
      c.label = buf;
      c.learner = LearnerKind::kGaussian;
      c.workflow = Workflow::kFresh;
      c.fixed_real = true;
      c.initial_samples = 100;  // the real data set, fitted first and reused every generation
      c.samples = static_cast<int>(std::lround(100 * (1 + lb)));
      c.alpha.kind = AlphaKind::kConstant;
      c.alpha.value = 100.0 / c.samples;
      c.generations = 200;
      c.replicates = 200;
      c.stream = static_cast<uint32_t>(runs.size());
      runs.push_back(c);
    }
  } else if (name == "zenil-grounded") {
    for (double a : {0.0, 0.01, 0.05, 0.1, 0.25, 0.5}) {
      CollapseConfig c;
      char buf[32];
      std::snprintf(buf, sizeof buf, "alpha=%g", a);
      c.label = buf;
      c.learner = LearnerKind::kCategorical;
      c.workflow = Workflow::kFresh;
      c.alpha.kind = a == 0 ? AlphaKind::kZero : AlphaKind::kConstant;
      c.alpha.value = a;
      c.samples = 100;
      c.p0.clear();
      for (int i = 1; i <= 20; ++i) c.p0.push_back(1.0 / i);  // Zipf truth over 20 categories
      c.generations = 400;
      c.replicates = 400;
      c.stream = static_cast<uint32_t>(runs.size());
      runs.push_back(c);
    }
  } else if (name == "zenil-symbolic") {
    for (std::string learner : {"density", "symbolic"}) {
      CollapseConfig c;
      c.label = learner;
      c.learner = parse_learner(learner);
      c.machine = "1RB1RA_1RZ0RA";  // 12 outputs on 4-bit inputs, halts on all of them
      c.space_states = 2;
      c.input_bits = 4;
      c.cutoff = 20;
      c.samples = 30;
      c.generations = 100;
      c.replicates = 200;
      c.table_path = BdmTable::default_path(2, false);  // the engine's D(5,2), wherever ctm runs from
      c.stream = static_cast<uint32_t>(runs.size());
      runs.push_back(c);
    }
  } else {
    std::string known;
    for (auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown preset '" + name + "' (" + known + ")");
  }
  return runs;
}


}  // namespace ctm::collapse
