// Sweep outputs (tidy per-generation CSV, per-combination summary CSV, heatmap and line SVG) and the
// shipped sweep presets: the seed paper's two failure modes, the verifier and the symbolic remedy
// over alpha, each with the closed form or bound drawn where one exists (docs/collapse.md, "Sweeps").
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>

#include "ctm/bdm.hpp"
#include "ctm/collapse.hpp"
#include "ctm/types.hpp"
#include "svg_axis.hpp"

namespace ctm::collapse {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string fmt(double v) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

void header(const SweepResult& r, std::ostream& out) {
  const CollapseConfig& c = r.spec.base;
  out << "# ctm collapse sweep '" << r.spec.name << "': learner " << name_of(c.learner) << ", workflow " << name_of(c.workflow)
      << ", base N " << c.samples << ", replicates " << c.replicates << ", generations " << c.generations
      << ", seed " << c.seed << ", streams " << (r.spec.paired ? "shared (paired comparison)" : "independent per combination")
      << "\n";
  if (!r.spec.note.empty()) out << "# " << r.spec.note << "\n";
  out << "combination";
  for (const auto& a : r.spec.axes) out << ',' << csv_field(a.key);
}

// Viridis-like colour ramp (5 anchors, linear in between) for f in [0, 1].
std::string colour(double f) {
  static const double anchors[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  f = std::clamp(f, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(f));
  const double u = f - i;
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<int>(anchors[i][0] + u * (anchors[i + 1][0] - anchors[i][0])),
                static_cast<int>(anchors[i][1] + u * (anchors[i + 1][1] - anchors[i][1])),
                static_cast<int>(anchors[i][2] + u * (anchors[i + 1][2] - anchors[i][2])));
  return buf;
}

bool numeric(const std::vector<std::string>& values) {
  for (const auto& v : values) {
    char* end = nullptr;
    std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0') return false;
  }
  return true;
}

}  // namespace

void write_sweep_csv(const SweepResult& r, std::ostream& out) {
  header(r, out);
  out << ",generation,metric,mean,se,q05,q25,median,q75,q95,finite\n";
  for (size_t i = 0; i < r.points.size(); ++i) {
    const SweepPoint& p = r.points[i];
    std::string keys;
    for (const auto& v : p.values) keys += ',' + csv_field(v);
    for (size_t g = 0; g < p.generations.size(); ++g)
      for (size_t m = 0; m < p.metrics.size(); ++m) {
        const MetricSummary& s = p.series[m][g];
        out << i << keys << ',' << p.generations[g] << ',' << p.metrics[m] << ',' << fmt(s.mean) << ',' << fmt(s.se)
            << ',' << fmt(s.q05) << ',' << fmt(s.q25) << ',' << fmt(s.median) << ',' << fmt(s.q75) << ','
            << fmt(s.q95) << ',' << s.finite << '\n';
      }
  }
}

void write_sweep_summary_csv(const SweepResult& r, std::ostream& out) {
  header(r, out);
  out << ",stream,quantity,value,se,closed_form\n";
  for (size_t i = 0; i < r.points.size(); ++i) {
    const SweepPoint& p = r.points[i];
    std::string keys;
    for (const auto& v : p.values) keys += ',' + csv_field(v);
    for (const auto& q : p.summary)
      out << i << keys << ',' << p.config.stream << ',' << q.name << ',' << fmt(q.value) << ',' << fmt(q.se) << ','
          << fmt(q.closed_form) << '\n';
  }
}

void write_sweep_svg(const SweepResult& r, std::ostream& out) {
  const auto& axes = r.spec.axes;
  if (r.points.empty() || axes.empty()) throw Error("write_sweep_svg: empty sweep");
  std::string metric = r.spec.figure_metric;
  if (metric.empty()) metric = r.points[0].summary.empty() ? "" : r.points[0].summary[0].name;
  const size_t nx = axes[0].values.size(), ny = axes.size() > 1 ? axes[1].values.size() : 1;
  const size_t per_cell = r.points.size() / (nx * ny);  // further axes: the first value of each is shown
  auto point = [&](size_t ix, size_t iy) -> const SweepPoint& { return r.points[(ix * ny + iy) * per_cell]; };
  double lo = 1e300, hi = -1e300;
  for (size_t ix = 0; ix < nx; ++ix)
    for (size_t iy = 0; iy < ny; ++iy)
      for (double v : {point(ix, iy).quantity(metric), point(ix, iy).quantity(metric, &SweepQuantity::closed_form)})
        if (std::isfinite(v)) { lo = std::min(lo, v); hi = std::max(hi, v); }
  const svg::Axis va = svg::make_axis(lo <= hi ? lo : 0, lo <= hi ? hi : 1, true);
  const int pw = 520, ph = 380, ml = 70, mt = 60, w = 380, h = 270;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << 2 * pw + 150 << "\" height=\"" << ph + 40
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"8\" y=\"18\" font-size=\"14\">ctm collapse sweep " << svg::escape(r.spec.name) << ": "
      << svg::escape(metric) << " (mean over " << r.spec.base.replicates << " replicates)"
      << (per_cell > 1 ? "; further axes at their first value" : "") << "</text>\n";
  if (!r.spec.note.empty())
    out << "<text x=\"8\" y=\"34\" font-size=\"10\">" << svg::escape(r.spec.note.substr(0, 200)) << "</text>\n";
  const bool xnum = numeric(axes[0].values);
  // Heatmap: axis 0 across, axis 1 up; colour = the quantity (log scale when it spans decades).
  out << "<g transform=\"translate(0,0)\"><text x=\"" << ml << "\" y=\"" << mt - 6 << "\" font-weight=\"bold\">heatmap"
      << (va.log ? " (log colour scale)" : "") << "</text>\n";
  const double cw = static_cast<double>(w) / nx, ch = static_cast<double>(h) / ny;
  for (size_t ix = 0; ix < nx; ++ix)
    for (size_t iy = 0; iy < ny; ++iy) {
      const double v = point(ix, iy).quantity(metric);
      out << "<rect x=\"" << ml + ix * cw << "\" y=\"" << mt + h - (iy + 1) * ch << "\" width=\"" << cw + 0.3
          << "\" height=\"" << ch + 0.3 << "\" fill=\"" << (std::isfinite(v) ? colour(va.fraction(v)) : "#cccccc")
          << "\"><title>" << svg::escape(point(ix, iy).config.label) << ": " << svg::tick_label(v) << "</title></rect>\n";
    }
  const size_t label_every = std::max<size_t>(1, nx / 8);
  for (size_t ix = 0; ix < nx; ix += label_every)
    out << "<text class=\"xtick\" x=\"" << ml + (ix + 0.5) * cw << "\" y=\"" << mt + h + 14 << "\" text-anchor=\"middle\">"
        << svg::escape(axes[0].values[ix]) << "</text>\n";
  out << "<text x=\"" << ml + w / 2 << "\" y=\"" << mt + h + 30 << "\" text-anchor=\"middle\">" << svg::escape(axes[0].key)
      << "</text>\n";
  if (axes.size() > 1) {
    for (size_t iy = 0; iy < ny; ++iy)
      out << "<text class=\"ytick\" x=\"" << ml - 4 << "\" y=\"" << mt + h - (iy + 0.5) * ch + 4 << "\" text-anchor=\"end\">"
          << svg::escape(axes[1].values[iy]) << "</text>\n";
    out << "<text x=\"14\" y=\"" << mt + h / 2 << "\" transform=\"rotate(-90 14 " << mt + h / 2
        << ")\" text-anchor=\"middle\">" << svg::escape(axes[1].key) << "</text>\n";
  }
  // Colour bar with the value axis' ticks.
  for (int i = 0; i < 50; ++i)
    out << "<rect x=\"" << ml + w + 14 << "\" y=\"" << mt + h - (i + 1) * h / 50.0 << "\" width=\"12\" height=\""
        << h / 50.0 + 0.3 << "\" fill=\"" << colour((i + 0.5) / 50) << "\"/>";
  out << "\n";
  for (double t : va.ticks)
    out << "<text class=\"ctick\" x=\"" << ml + w + 30 << "\" y=\"" << mt + h * (1 - va.fraction(t)) + 4 << "\">"
        << svg::tick_label(t) << "</text>\n";
  out << "</g>\n";
  // Lines: the quantity against axis 0 (value axis when numeric), one line per value of axis 1,
  // +-2 standard errors as bars, the closed form (where one exists) dashed.
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};
  double x_lo = 0, x_hi = static_cast<double>(nx - 1);
  if (xnum) {
    x_lo = std::strtod(axes[0].values.front().c_str(), nullptr);
    x_hi = x_lo;
    for (const auto& v : axes[0].values) { const double x = std::strtod(v.c_str(), nullptr); x_lo = std::min(x_lo, x); x_hi = std::max(x_hi, x); }
  }
  const svg::Axis xa = svg::make_axis(x_lo, x_hi, xnum);
  auto px = [&](size_t ix) {
    const double x = xnum ? std::strtod(axes[0].values[ix].c_str(), nullptr) : static_cast<double>(ix);
    return pw + ml + w * xa.fraction(x);
  };
  auto py = [&](double v) { return mt + h * (1 - va.fraction(v)); };
  out << "<g transform=\"translate(0,0)\"><text x=\"" << pw + ml << "\" y=\"" << mt - 6 << "\" font-weight=\"bold\">" << svg::escape(metric)
      << " against " << svg::escape(axes[0].key) << (va.log ? " (log y axis)" : "") << "</text>\n"
      << "<rect x=\"" << pw + ml << "\" y=\"" << mt << "\" width=\"" << w << "\" height=\"" << h
      << "\" fill=\"none\" stroke=\"#999\"/>\n";
  svg::draw_y_axis(out, va, pw + ml, mt, w, h);
  if (xnum) svg::draw_x_axis(out, xa, pw + ml, mt, w, h);
  out << "<text x=\"" << pw + ml + w / 2 << "\" y=\"" << mt + h + 30 << "\" text-anchor=\"middle\">"
      << svg::escape(axes[0].key) << (xa.log ? " (log)" : "") << "</text>\n";
  for (size_t iy = 0; iy < ny; ++iy) {
    const char* col = colors[iy % 8];
    std::string line, closed;
    for (size_t ix = 0; ix < nx; ++ix) {
      const SweepPoint& p = point(ix, iy);
      const double v = p.quantity(metric), se = p.quantity(metric, &SweepQuantity::se),
                   cf = p.quantity(metric, &SweepQuantity::closed_form);
      if (std::isfinite(v)) {
        line += std::to_string(px(ix)) + "," + std::to_string(py(v)) + " ";
        if (std::isfinite(se) && se > 0)
          out << "<line x1=\"" << px(ix) << "\" y1=\"" << py(v - 2 * se) << "\" x2=\"" << px(ix) << "\" y2=\""
              << py(v + 2 * se) << "\" stroke=\"" << col << "\"/>";
      }
      if (std::isfinite(cf)) closed += std::to_string(px(ix)) + "," + std::to_string(py(cf)) + " ";
    }
    out << "\n<polyline points=\"" << line << "\" fill=\"none\" stroke=\"" << col << "\" stroke-width=\"1.5\"/>\n";
    if (!closed.empty())
      out << "<polyline class=\"closed-form\" points=\"" << closed << "\" fill=\"none\" stroke=\"black\" stroke-dasharray=\"5,3\"/>\n";
    if (axes.size() > 1)
      out << "<text x=\"" << pw + ml + w + 8 << "\" y=\"" << mt + 12 + 14 * iy << "\" fill=\"" << col << "\">"
          << svg::escape(axes[1].key + "=" + axes[1].values[iy]) << "</text>\n";
  }
  out << "<text x=\"" << pw + ml << "\" y=\"" << mt + h + 46 << "\">bars: +-2 standard errors; dashed: closed form</text>\n";
  out << "</g>\n</svg>\n";
}

// ---------------------------------------------------------------------------------------------
std::vector<std::string> sweep_preset_names() {
  return {"entropy-categorical", "fixation-gaussian", "drift-diameter", "verifier-alpha", "symbolic-alpha",
          "bench-categorical"};
}

SweepSpec sweep_preset(const std::string& name) {
  SweepSpec s;
  s.name = name;
  CollapseConfig& c = s.base;
  auto zipf = [](int k) {
    std::vector<double> p;
    for (int i = 1; i <= k; ++i) p.push_back(1.0 / i);
    return p;
  };
  if (name == "entropy-categorical" || name == "bench-categorical") {
    // Failure mode 1: final entropy and fixation over alpha x N, Zipf truth over 20 categories, fresh data.
    c.learner = LearnerKind::kCategorical;
    c.workflow = Workflow::kFresh;
    c.p0 = zipf(20);
    c.generations = name == "bench-categorical" ? 500 : 300;
    c.replicates = name == "bench-categorical" ? 200 : 100;
    c.light_metrics = true;
    s.axes = {parse_sweep_axis(name == "bench-categorical" ? "alpha=0:0.5:0.025" : "alpha=0,0.01,0.02,0.05,0.1,0.2,0.5"),
              parse_sweep_axis("samples=10,20,50,100,200")};
    s.metrics = {"entropy", "gini_simpson", "support", "fixed"};
    s.figure_metric = "final_gini_simpson";
    s.note = "entropy decay: closed forms G*(1 - 1/(N a(2-a) + 1 - a)) (alpha > 0) and G_0 (1-1/N)^t (alpha = 0); "
             "fixation time: diffusion -2N sum (1-p) ln(1-p)";
  } else if (name == "fixation-gaussian") {
    // Failure mode 1 for densities: the fitted sigma over alpha x M (1-D Gaussian, unbiased fit).
    c.learner = LearnerKind::kGaussian;
    c.workflow = Workflow::kFresh;
    c.unbiased = true;
    c.generations = 500;
    c.replicates = 100;
    s.axes = {parse_sweep_axis("alpha=0,0.01,0.02,0.05,0.1,0.2,0.5"), parse_sweep_axis("samples=10,20,50,100,200")};
    s.metrics = {"sigma", "log_var_ratio", "w2", "w2_squared", "mean_drift"};
    s.figure_metric = "final_sigma";
    s.note = "variance loss: closed form E[sigma_t] = sigma_0 c^t at alpha = 0 (c from the Gamma function ratio)";
  } else if (name == "drift-diameter") {
    // Failure mode 2: the drift of the mean, a random walk bounded by D^2/4, over alpha x D.
    c.learner = LearnerKind::kCategorical;
    c.workflow = Workflow::kFresh;
    c.categories = 10;
    c.samples = 50;
    c.generations = 300;
    c.replicates = 200;
    c.light_metrics = true;
    s.axes = {parse_sweep_axis("alpha=0,0.01,0.05,0.1,0.25,0.5"), parse_sweep_axis("diameter=1,10,100,1000")};
    s.metrics = {"mean", "mean_drift", "entropy"};
    s.figure_metric = "final_mean_drift";
    s.note = "variance amplification: E[(m_t - m_0)^2] = Var_P0(X)(1 - (1-1/N)^t) <= D^2/4 at alpha = 0; "
             "bound D^2/4 for every alpha";
  } else if (name == "verifier-alpha") {
    // RL with an imperfect verifier: a truth on 10 of 20 categories, model smoothed over the alphabet,
    // the verifier lets wrong (off-support) synthetic items through with probability eps_fp.
    c.learner = LearnerKind::kCategorical;
    c.workflow = Workflow::kFresh;
    c.p0.assign(20, 0.0);
    for (int i = 0; i < 10; ++i) c.p0[i] = 1.0 / (i + 1);
    c.smoothing = 0.01;
    c.samples = 100;
    c.generations = 200;
    c.replicates = 100;
    c.verifier = true;
    s.axes = {parse_sweep_axis("eps_fp=0,0.01,0.05,0.1,0.3,1"), parse_sweep_axis("alpha=0,0.05,0.2,0.5")};
    s.metrics = {"entropy", "missing_mass", "tail_mass", "tv"};
    s.figure_metric = "final_entropy";
    s.note = "imperfect verifier: no closed form; eps_fp = 1 is the loop without a verifier";
  } else if (name == "symbolic-alpha") {
    // The remedy: the symbolic learner against the density learner over alpha (same machine truth).
    c.learner = LearnerKind::kDensity;
    c.machine = "1RB1RA_1RZ0RA";
    c.space_states = 2;
    c.input_bits = 4;
    c.cutoff = 20;
    c.samples = 30;
    c.generations = 100;
    c.replicates = 100;
    c.workflow = Workflow::kFresh;
    c.table_path = BdmTable::default_path(2, false);
    s.axes = {parse_sweep_axis("alpha=0,0.05,0.1,0.2,0.5"), parse_sweep_axis("learner=density,symbolic")};
    s.metrics = {"entropy", "gini_simpson", "support", "tv", "identified"};
    s.figure_metric = "final_gini_simpson";
    s.note = "symbolic synthesis: the identified machine is a fixed point; density learner: grounded Gini "
             "equilibrium G*(1 - 1/(N a(2-a) + 1 - a))";
  } else {
    std::string known;
    for (auto& n : sweep_preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown sweep preset '" + name + "' (" + known + ")");
  }
  return s;
}

}  // namespace ctm::collapse
