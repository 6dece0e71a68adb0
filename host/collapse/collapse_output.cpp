// Collapse simulator outputs: per-generation CSV, JSON summary, SVG plots with replicate bands.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "ctm/collapse.hpp"
#include "ctm/types.hpp"
#include "svg_axis.hpp"

namespace ctm::collapse {
namespace {

std::string estimator_of(const CollapseConfig& c) {
  if (c.learner == LearnerKind::kGaussian) return c.unbiased ? "unbiased (divide by N-1)" : "MLE (divide by N)";
  if (c.learner == LearnerKind::kGmm) return "EM maximum likelihood, warm start";
  if (c.learner == LearnerKind::kOls) return "ordinary least squares";
  if (c.learner == LearnerKind::kSymbolic) return "MAP machine behaviour (log-likelihood + algorithmic-probability prior)";
  if (c.smoothing > 0) return "add-" + std::to_string(c.smoothing) + " smoothing over " + name_of(c.support);
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
  out << "# ctm collapse run '" << c.label << "': learner " << name_of(c.learner) << ", workflow " << name_of(c.workflow)
      << ", estimator " << estimator_of(c) << ", alpha " << c.alpha.describe() << ", N " << c.samples
      << ", lambda " << c.lambda << ", replicates " << c.replicates << ", seed " << c.seed << ", stream " << c.stream << "\n";
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
    run["workflow"] = name_of(c.workflow);
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
  const int cols = 3, pw = 380, ph = 230, ml = 62, mr = 12, mt = 28, mb = 34;
  const int rows = static_cast<int>((metrics.size() + cols - 1) / cols);
  const int legend = 24 + 16 * static_cast<int>(runs.size());
  const int width = cols * pw + 24, height = legend + rows * ph;  // + room for the last x label
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out << "<text x=\"8\" y=\"16\" font-size=\"14\">" << svg::escape(title)
      << ": median (line), 25-75% and 5-95% bands over replicates; closed form dashed</text>\n";
  for (size_t k = 0; k < runs.size(); ++k) {
    const CollapseConfig& c = runs[k].config;
    out << "<rect x=\"10\" y=\"" << 24 + 16 * k << "\" width=\"12\" height=\"10\" fill=\"" << colors[k % 8] << "\"/>"
        << "<text x=\"28\" y=\"" << 33 + 16 * k << "\">" << svg::escape(c.label) << " (" << name_of(c.learner) << ", " << name_of(c.workflow)
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
    // Readable ticks (4 significant digits); a log axis when a positive metric spans > 2 decades.
    const svg::Axis ya = svg::make_axis(lo, hi, true), xa = svg::make_axis(0, gmax);
    auto px = [&](double t) { return ml + w * xa.fraction(t); };
    auto py = [&](double v) { return mt + h * (1 - ya.fraction(v)); };
    svg::draw_y_axis(out, ya, ml, mt, w, h);
    svg::draw_x_axis(out, xa, ml, mt, w, h);
    out << "<text x=\"" << ml + w / 2 << "\" y=\"" << mt + h + 27 << "\" text-anchor=\"middle\">generation"
        << (ya.log ? " (log y axis)" : "") << "</text>\n";
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

}  // namespace ctm::collapse
