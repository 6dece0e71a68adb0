// Collapse simulator outputs (per-generation CSV, JSON summary, SVG plots with replicate bands)
// and the presets that rerun published set-ups.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "ctm/bdm.hpp"
#include "ctm/collapse.hpp"
#include "ctm/types.hpp"

namespace ctm::collapse {
namespace {

std::string estimator_of(const CollapseConfig& c) {
  if (c.learner == "gaussian") return c.unbiased ? "unbiased (divide by N-1)" : "MLE (divide by N)";
  if (c.learner == "gmm") return "EM maximum likelihood, warm start";
  if (c.learner == "ols") return "ordinary least squares";
  if (c.learner == "symbolic") return "MAP machine behaviour (log-likelihood + algorithmic-probability prior)";
  if (c.smoothing > 0) return "add-" + std::to_string(c.smoothing) + " smoothing over " + c.support;
  return "MLE (empirical frequencies)";
}

std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

void write_csv(const CollapseResult& r, std::ostream& out) {
  const CollapseConfig& c = r.config;
  out << "# ctm collapse run '" << c.label << "': learner " << c.learner << ", workflow " << c.workflow
      << ", estimator " << estimator_of(c) << ", alpha " << c.alpha.describe() << ", N " << c.samples
      << ", lambda " << c.lambda << ", replicates " << c.replicates << ", seed " << c.seed << "\n";
  out << "generation,metric,mean,sd,se,q05,q25,median,q75,q95,finite,expected\n";
  for (int t = 0; t <= r.generations; ++t)
    for (size_t m = 0; m < r.metrics.size(); ++m) {
      const MetricSummary s = summarize(r, static_cast<int>(m), t);
      auto e = r.expected.find(r.metrics[m]);
      out << t << ',' << r.metrics[m] << ',' << fmt(s.mean) << ',' << fmt(s.sd) << ',' << fmt(s.se) << ','
          << fmt(s.q05) << ',' << fmt(s.q25) << ',' << fmt(s.median) << ',' << fmt(s.q75) << ',' << fmt(s.q95)
          << ',' << s.finite << ',' << (e == r.expected.end() ? "" : fmt(e->second[t])) << '\n';
    }
}

std::string summary_json(const std::vector<CollapseResult>& runs, const std::string& preset_name) {
  nlohmann::json j;
  j["preset"] = preset_name;
  j["runs"] = nlohmann::json::array();
  for (const CollapseResult& r : runs) {
    const CollapseConfig& c = r.config;
    nlohmann::json run;
    run["label"] = c.label;
    run["config"] = nlohmann::json::parse(config_to_json(c));
    run["workflow"] = c.workflow;
    run["estimator"] = estimator_of(c);
    run["alpha_schedule"] = c.alpha.describe();
    run["seconds"] = r.seconds;
    run["threads"] = r.threads_used;
    nlohmann::json fin;
    for (size_t m = 0; m < r.metrics.size(); ++m) {
      const MetricSummary s = summarize(r, static_cast<int>(m), r.generations);
      nlohmann::json e{{"mean", num(s.mean)}, {"sd", num(s.sd)}, {"se", num(s.se)}, {"q05", num(s.q05)},
                       {"median", num(s.median)}, {"q95", num(s.q95)}};
      auto ex = r.expected.find(r.metrics[m]);
      if (ex != r.expected.end()) e["expected"] = num(ex->second[r.generations]);
      fin[r.metrics[m]] = e;
    }
    run["final_generation"] = fin;
    nlohmann::json ref;
    for (auto& [k, v] : r.reference) ref[k] = num(v);
    run["closed_form"] = ref;
    if (!r.initial_mass.empty()) {
      int fixed = 0;
      double time_sum = 0;
      std::map<int, int> winners;
      for (int rep = 0; rep < r.replicates; ++rep)
        if (r.fixation_time[rep] >= 0) { ++fixed; time_sum += r.fixation_time[rep]; ++winners[r.fixation_winner[rep]]; }
      nlohmann::json fx{{"replicates_fixed", fixed}, {"mean_fixation_time", fixed ? num(time_sum / fixed) : nullptr}};
      nlohmann::json wj = nlohmann::json::array();
      for (auto& [cat, n] : winners)
        wj.push_back({{"category", cat}, {"fixed", n}, {"frequency", static_cast<double>(n) / fixed},
                      {"initial_mass", r.initial_mass[cat]}});
      fx["winners"] = wj;
      run["fixation"] = fx;
    }
    j["runs"].push_back(run);
  }
  return j.dump(2);
}

void write_svg(const std::vector<CollapseResult>& runs, const std::string& title, std::ostream& out) {
  if (runs.empty()) throw Error("write_svg: no runs");
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};
  std::vector<std::string> metrics = runs[0].metrics;
  const int cols = 3, pw = 380, ph = 230, ml = 62, mr = 12, mt = 28, mb = 30;
  const int rows = static_cast<int>((metrics.size() + cols - 1) / cols);
  const int legend = 24 + 16 * static_cast<int>(runs.size());
  const int width = cols * pw, height = legend + rows * ph;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out << "<text x=\"8\" y=\"16\" font-size=\"14\">" << title
      << ": median (line), 25-75% and 5-95% bands over replicates; closed form dashed</text>\n";
  for (size_t k = 0; k < runs.size(); ++k) {
    const CollapseConfig& c = runs[k].config;
    out << "<rect x=\"10\" y=\"" << 24 + 16 * k << "\" width=\"12\" height=\"10\" fill=\"" << colors[k % 8] << "\"/>"
        << "<text x=\"28\" y=\"" << 33 + 16 * k << "\">" << c.label << " (" << c.learner << ", " << c.workflow
        << ", alpha " << c.alpha.describe() << ", N " << c.samples << ", " << c.replicates << " replicates)</text>\n";
  }
  for (size_t mi = 0; mi < metrics.size(); ++mi) {
    const int ox = static_cast<int>(mi % cols) * pw, oy = legend + static_cast<int>(mi / cols) * ph;
    struct Series { std::vector<MetricSummary> s; std::vector<double> expected; int g; };
    std::vector<Series> series;
    double lo = 1e300, hi = -1e300;
    int gmax = 1;
    for (const CollapseResult& r : runs) {
      Series se;
      se.g = r.generations;
      gmax = std::max(gmax, r.generations);
      int idx = -1;
      for (size_t i = 0; i < r.metrics.size(); ++i) if (r.metrics[i] == metrics[mi]) idx = static_cast<int>(i);
      if (idx >= 0)
        for (int t = 0; t <= r.generations; ++t) {
          se.s.push_back(summarize(r, idx, t));
          const MetricSummary& s = se.s.back();
          for (double v : {s.q05, s.q95, s.median})
            if (std::isfinite(v)) { lo = std::min(lo, v); hi = std::max(hi, v); }
        }
      auto e = r.expected.find(metrics[mi]);
      if (e != r.expected.end()) {
        se.expected = e->second;
        for (double v : se.expected) if (std::isfinite(v)) { lo = std::min(lo, v); hi = std::max(hi, v); }
      }
      series.push_back(std::move(se));
    }
    out << "<g transform=\"translate(" << ox << "," << oy << ")\">\n";
    out << "<text x=\"" << ml << "\" y=\"16\" font-size=\"12\" font-weight=\"bold\">" << metrics[mi] << "</text>\n";
    const int w = pw - ml - mr, h = ph - mt - mb;
    out << "<rect x=\"" << ml << "\" y=\"" << mt << "\" width=\"" << w << "\" height=\"" << h
        << "\" fill=\"none\" stroke=\"#999\"/>\n";
    if (!(lo <= hi)) { out << "<text x=\"" << ml + 10 << "\" y=\"" << mt + 20 << "\">no finite values</text></g>\n"; continue; }
    if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) { hi += 0.5 * std::max(1e-9, std::fabs(hi)); lo -= 0.5 * std::max(1e-9, std::fabs(lo)); }
    auto px = [&](double t) { return ml + w * t / gmax; };
    auto py = [&](double v) { return mt + h * (1 - (std::clamp(v, lo, hi) - lo) / (hi - lo)); };
    out << "<text x=\"" << ml - 4 << "\" y=\"" << mt + 8 << "\" text-anchor=\"end\">" << fmt(hi).substr(0, 9) << "</text>"
        << "<text x=\"" << ml - 4 << "\" y=\"" << mt + h << "\" text-anchor=\"end\">" << fmt(lo).substr(0, 9) << "</text>"
        << "<text x=\"" << ml << "\" y=\"" << mt + h + 14 << "\">0</text>"
        << "<text x=\"" << ml + w << "\" y=\"" << mt + h + 14 << "\" text-anchor=\"end\">" << gmax << "</text>"
        << "<text x=\"" << ml + w / 2 << "\" y=\"" << mt + h + 24 << "\" text-anchor=\"middle\">generation</text>\n";
    // At most ~400 points per polyline: thin long runs.
    for (size_t k = 0; k < series.size(); ++k) {
      const Series& se = series[k];
      if (se.s.empty()) continue;
      const int step = std::max(1, se.g / 400);
      auto band = [&](auto lo_of, auto hi_of, double opacity) {
        std::ostringstream pts;
        std::vector<int> ts;
        for (int t = 0; t <= se.g; t += step) ts.push_back(t);
        if (ts.back() != se.g) ts.push_back(se.g);
        bool any = false;
        for (int t : ts) if (std::isfinite(hi_of(se.s[t]))) { pts << px(t) << ',' << py(hi_of(se.s[t])) << ' '; any = true; }
        for (auto it = ts.rbegin(); it != ts.rend(); ++it)
          if (std::isfinite(lo_of(se.s[*it]))) pts << px(*it) << ',' << py(lo_of(se.s[*it])) << ' ';
        if (any)
          out << "<polygon points=\"" << pts.str() << "\" fill=\"" << colors[k % 8] << "\" fill-opacity=\"" << opacity
              << "\" stroke=\"none\"/>\n";
      };
      band([](const MetricSummary& s) { return s.q05; }, [](const MetricSummary& s) { return s.q95; }, 0.12);
      band([](const MetricSummary& s) { return s.q25; }, [](const MetricSummary& s) { return s.q75; }, 0.25);
      std::ostringstream line;
      for (int t = 0; t <= se.g; t += step)
        if (std::isfinite(se.s[t].median)) line << px(t) << ',' << py(se.s[t].median) << ' ';
      out << "<polyline points=\"" << line.str() << "\" fill=\"none\" stroke=\"" << colors[k % 8] << "\" stroke-width=\"1.5\"/>\n";
      if (!se.expected.empty()) {
        std::ostringstream ex;
        for (int t = 0; t <= se.g; t += step) if (std::isfinite(se.expected[t])) ex << px(t) << ',' << py(se.expected[t]) << ' ';
        out << "<polyline points=\"" << ex.str() << "\" fill=\"none\" stroke=\"black\" stroke-dasharray=\"5,3\"/>\n";
      }
    }
    out << "</g>\n";
  }
  out << "</svg>\n";
}

// ---------------------------------------------------------------------------------------------
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
      c.learner = "gaussian";
      c.unbiased = true;
      c.samples = m;
      c.generations = 1000;
      c.replicates = 100;
      runs.push_back(c);
    }
  } else if (name == "shumailov-gmm") {
    CollapseConfig c;
    c.label = "gmm-N=1000";
    c.learner = "gmm";
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
      c.learner = "ols";
      c.workflow = wf;
      c.samples = 64;
      c.ols_dim = 10;
      c.ols_noise = 1;
      c.generations = 100;
      c.replicates = 400;
      runs.push_back(c);
    }
  } else if (name == "mad-fully-synthetic") {
    for (double lambda : {1.0, 0.8}) {
      CollapseConfig c;
      c.label = "lambda=" + std::string(lambda == 1 ? "1" : "0.8");
      c.learner = "gaussian";
      c.dim = 100;
      c.samples = 1000;
      c.lambda = lambda;
      c.generations = 50;
      c.replicates = 8;
      runs.push_back(c);
    }
  } else if (name == "mad-fresh") {
    for (double lambda : {1.0, 0.8})
      for (int n0 : {200, 5000}) {
        CollapseConfig c;
        c.label = "lambda=" + std::string(lambda == 1 ? "1" : "0.8") + ",n0=" + std::to_string(n0);
        c.learner = "gaussian";
        c.dim = 100;
        c.workflow = "fresh";
        c.alpha.kind = "constant";
        c.alpha.value = 0.1;  // n_r = 100 real + n_s = 900 synthetic
        c.samples = 1000;
        c.initial_samples = n0;
        c.lambda = lambda;
        c.generations = 40;
        c.replicates = 6;
        runs.push_back(c);
      }
  } else if (name == "bertrand-mix") {
    for (double lb : {0.1, 0.5, 1.0, 2.0, 10.0}) {
      CollapseConfig c;
      char buf[32];
      std::snprintf(buf, sizeof buf, "lambda_B=%g", lb);
      c.label = buf;
      c.learner = "gaussian";
      c.workflow = "fresh";
      c.fixed_real = true;
      c.initial_samples = 100;  // the real data set, fitted first and reused every generation
      c.samples = static_cast<int>(std::lround(100 * (1 + lb)));
      c.alpha.kind = "constant";
      c.alpha.value = 100.0 / c.samples;
      c.generations = 200;
      c.replicates = 200;
      runs.push_back(c);
    }
  } else if (name == "zenil-grounded") {
    for (double a : {0.0, 0.01, 0.05, 0.1, 0.25, 0.5}) {
      CollapseConfig c;
      char buf[32];
      std::snprintf(buf, sizeof buf, "alpha=%g", a);
      c.label = buf;
      c.learner = "categorical";
      c.workflow = "fresh";
      c.alpha.kind = a == 0 ? "zero" : "constant";
      c.alpha.value = a;
      c.samples = 100;
      c.p0.clear();
      for (int i = 1; i <= 20; ++i) c.p0.push_back(1.0 / i);  // Zipf truth over 20 categories
      c.generations = 400;
      c.replicates = 400;
      runs.push_back(c);
    }
  } else if (name == "zenil-symbolic") {
    for (std::string learner : {"density", "symbolic"}) {
      CollapseConfig c;
      c.label = learner;
      c.learner = learner;
      c.machine = "1RB1RA_1RZ0RA";  // 12 outputs on 4-bit inputs, halts on all of them
      c.space_states = 2;
      c.input_bits = 4;
      c.cutoff = 20;
      c.samples = 30;
      c.generations = 100;
      c.replicates = 200;
      c.table_path = BdmTable::default_path(2, false);  // the engine's D(5,2), wherever ctm runs from
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
