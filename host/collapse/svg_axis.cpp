// Tick placement and labels for the collapse simulator's SVG figures (see svg_axis.hpp).
#include "svg_axis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ctm::collapse::svg {

double Axis::fraction(double v) const {
  if (log) {
    if (!(v > 0)) return 0;
    const double f = (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return std::clamp(f, 0.0, 1.0);
  }
  return std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
}

Axis make_axis(double lo, double hi, bool allow_log, int target, double log_decades) {
  Axis a;
  if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi)) { lo = 0; hi = 1; }
  if (allow_log && lo > 0 && std::log10(hi / lo) > log_decades) {
    a.log = true;
    const int d0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
    const int d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
    a.lo = std::pow(10.0, d0);
    a.hi = std::pow(10.0, d1);
    const int every = std::max(1, (d1 - d0 + target - 1) / target);  // at most ~target decade labels
    for (int d = d0; d <= d1; d += every) a.ticks.push_back(std::pow(10.0, d));
    return a;
  }
  if (hi - lo <= 1e-12 * std::max(1.0, std::fabs(hi))) {
    const double pad = std::fabs(hi) > 0 ? 0.5 * std::fabs(hi) : 0.5;
    lo -= pad;
    hi += pad;
  }
  // Step 1, 2 or 5 x 10^k giving at most `target` + 1 intervals; the axis snaps out to whole steps.
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw * (1 - 1e-9)) { step = m * mag; break; }
  a.lo = std::floor(lo / step + 1e-9) * step;
  a.hi = std::ceil(hi / step - 1e-9) * step;
  if (a.hi <= a.lo) a.hi = a.lo + step;
  const long n = std::lround((a.hi - a.lo) / step);
  for (long i = 0; i <= n; ++i) {
    double v = a.lo + i * step;
    if (std::fabs(v) < 1e-9 * step) v = 0;  // no -1e-17 for a tick at 0
    a.ticks.push_back(v);
  }
  return a;
}

std::string tick_label(double v) {
  if (v == 0) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

void draw_y_axis(std::ostream& out, const Axis& a, double x0, double y0, double w, double h) {
  for (double t : a.ticks) {
    const double y = y0 + h * (1 - a.fraction(t));
    out << "<line x1=\"" << x0 << "\" y1=\"" << y << "\" x2=\"" << x0 + w << "\" y2=\"" << y
        << "\" stroke=\"#e5e5e5\"/><text class=\"ytick\" data-v=\"" << t << "\" x=\"" << x0 - 4 << "\" y=\"" << y + 4
        << "\" text-anchor=\"end\">" << tick_label(t) << "</text>\n";
  }
}

void draw_x_axis(std::ostream& out, const Axis& a, double x0, double y0, double w, double h) {
  for (double t : a.ticks) {
    const double x = x0 + w * a.fraction(t);
    out << "<line x1=\"" << x << "\" y1=\"" << y0 + h << "\" x2=\"" << x << "\" y2=\"" << y0 + h + 4
        << "\" stroke=\"#999\"/><text class=\"xtick\" data-v=\"" << t << "\" x=\"" << x << "\" y=\"" << y0 + h + 15
        << "\" text-anchor=\"middle\">" << tick_label(t) << "</text>\n";
  }
}

}  // namespace ctm::collapse::svg
