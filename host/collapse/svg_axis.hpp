// Axes for the collapse simulator's SVG figures: readable tick values (1, 2, 5 x 10^k, or decades on a
// log axis), labels printed with 4 significant digits, and value -> pixel maps. Internal to ctm_collapse.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace ctm::collapse::svg {

struct Axis {
  double lo = 0, hi = 1;      // data range shown (log axis: positive, in data units)
  bool log = false;
  std::vector<double> ticks;  // tick values inside [lo, hi], increasing
  // Position of v in [0, 1] along the axis (clamped).
  double fraction(double v) const;
};

// An axis over [lo, hi] with about `target` ticks. A log axis is used when allow_log and the range is
// positive and spans more than `log_decades` decades. A degenerate range is widened around its value.
Axis make_axis(double lo, double hi, bool allow_log = false, int target = 5, double log_decades = 2.0);

// "%.4g", without "-0": 1.168e+09 for 1168062100, 0.0001 for 1e-4, 12.35 for 12.3456.
std::string tick_label(double v);

// Text with &, <, > escaped for an SVG text node or attribute.
std::string escape(const std::string& s);

// Tick marks, labels and light grid lines of a vertical (y) and horizontal (x) axis of a plot box
// whose top-left corner is (x0, y0) and size w x h. Labels carry class="ytick"/"xtick" and data-v.
void draw_y_axis(std::ostream& out, const Axis& a, double x0, double y0, double w, double h);
void draw_x_axis(std::ostream& out, const Axis& a, double x0, double y0, double w, double h);

}  // namespace ctm::collapse::svg
