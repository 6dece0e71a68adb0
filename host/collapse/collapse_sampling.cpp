// Exact samplers on the simulator's Philox streams: standard normals by a 256-layer ziggurat
// (Marsaglia & Tsang 2000), binomials by inversion or BTRD (Hormann 1993), multinomials by
// conditional binomials, gammas by Marsaglia & Tsang (2000). Written from the published algorithms.
#include <cmath>

#include "ctm/collapse.hpp"

namespace ctm::collapse {
namespace {

// Ziggurat of exp(-x^2/2) on [0, inf): layer 0 is the base strip (rectangle [0, r] plus the tail),
// layer i >= 1 the rectangle [0, x[i]] x [f(x[i]), f(x[i+1])]; all 256 have the same area v.
struct Ziggurat {
  static constexpr int kLayers = 256;
  static constexpr double kR = 3.6541528853610088;
  double x[kLayers + 1];
  double f[kLayers + 1];
  Ziggurat() {
    const double fr = std::exp(-0.5 * kR * kR);
    const double v = kR * fr + std::sqrt(0.5 * 3.141592653589793) * std::erfc(kR / std::sqrt(2.0));
    x[0] = v / fr;
    x[1] = kR;
    for (int i = 1; i < kLayers - 1; ++i) x[i + 1] = std::sqrt(-2 * std::log(v / x[i] + std::exp(-0.5 * x[i] * x[i])));
    x[kLayers] = 0;
    for (int i = 0; i <= kLayers; ++i) f[i] = std::exp(-0.5 * x[i] * x[i]);
  }
};
const Ziggurat& ziggurat() {
  static const Ziggurat z;
  return z;
}

// ln k! - [(k + 1/2) ln(k + 1) - (k + 1) + ln sqrt(2 pi)]: the Stirling remainder BTRD uses.
double stirling_tail(double k) {
  if (k < 10) return std::lgamma(k + 1) - ((k + 0.5) * std::log(k + 1) - (k + 1) + 0.9189385332046728);
  const double r = 1 / (k + 1), r2 = r * r;
  return (1.0 / 12 - (1.0 / 360 - r2 / 1260) * r2) * r;
}

// Inversion (sequential search from 0) for n p < 10, p <= 1/2.
uint32_t binomial_inversion(RandomStream& rs, uint32_t n, double p) {
  const double q = 1 - p, s = p / q, a = (n + 1.0) * s;
  const double r0 = std::exp(n * std::log1p(-p));
  for (;;) {
    double u = rs.uniform(), r = r0;
    for (uint32_t x = 0; x <= n; ++x) {
      if (u < r) return x;
      u -= r;
      r *= a / (x + 1) - s;
    }
    // u fell in the rounding gap above the computed CDF (probability ~1e-16): draw again.
  }
}

// BTRD for n p >= 10, p <= 1/2: transformed rejection with a squeeze, then an exact ratio test.
uint32_t binomial_btrd(RandomStream& rs, uint32_t n, double p) {
  const double q = 1 - p, r = p / q, nr = (n + 1.0) * r;
  const double npq = n * p * q, snpq = std::sqrt(npq);
  const double m = std::floor((n + 1.0) * p);
  const double b = 1.15 + 2.53 * snpq, a = -0.0873 + 0.0248 * b + 0.01 * p, c = n * p + 0.5;
  const double inv_b = 1 / b;  // one division on the setup's critical path instead of two
  const double alpha = (2.83 + 5.1 * inv_b) * snpq, vr = 0.92 - 4.2 * inv_b, urvr = 0.86 * vr;
  for (;;) {
    double v = rs.uniform(), u;
    if (v <= urvr) {
      u = v / vr - 0.43;
      return static_cast<uint32_t>(std::floor((2 * a / (0.5 - std::fabs(u)) + b) * u + c));
    }
    if (v >= vr) {
      u = rs.uniform() - 0.5;
    } else {
      u = v / vr - 0.93;
      u = (u < 0 ? -0.5 : 0.5) - u;
      v = rs.uniform() * vr;
    }
    const double us = 0.5 - std::fabs(u);
    const double kd = std::floor((2 * a / us + b) * u + c);
    if (kd < 0 || kd > n) continue;
    v = v * alpha / (a / (us * us) + b);
    const double km = std::fabs(kd - m);
    if (km <= 15) {  // f(k) / f(m) by the recurrence f(i) / f(i-1) = nr / i - r
      double f = 1;
      if (m < kd) {
        for (double i = m + 1; i <= kd; ++i) f *= nr / i - r;
      } else {
        for (double i = kd + 1; i <= m; ++i) v *= nr / i - r;
      }
      if (v <= f) return static_cast<uint32_t>(kd);
      continue;
    }
    v = std::log(v);
    const double rho = (km / npq) * (((km / 3 + 0.625) * km + 1.0 / 6) / npq + 0.5);
    const double t = -km * km / (2 * npq);
    if (v < t - rho) return static_cast<uint32_t>(kd);
    if (v > t + rho) continue;
    const double nm = n - m + 1, nk = n - kd + 1;
    const double h = (m + 0.5) * std::log((m + 1) / (r * nm)) + stirling_tail(m) + stirling_tail(n - m);
    if (v <= h + (n + 1) * std::log(nm / nk) + (kd + 0.5) * std::log(nk * r / (kd + 1)) - stirling_tail(kd) -
                  stirling_tail(n - kd))
      return static_cast<uint32_t>(kd);
  }
}

}  // namespace

// The rare rest of a ziggurat try that missed its layer's rectangle: the tail (layer 0) or the wedge
// test. Returns the magnitude, or -1 when the try is rejected and a new one must start.
double RandomStream::normal_rest(int layer, double x) {
  const Ziggurat& z = ziggurat();
  if (layer == 0) {  // tail beyond r (Marsaglia 1964)
    double a, b;
    do {
      a = -std::log(uniform_open()) / Ziggurat::kR;
      b = -std::log(uniform_open());
    } while (b + b < a * a);
    return Ziggurat::kR + a;
  }
  return z.f[layer] + uniform() * (z.f[layer + 1] - z.f[layer]) < std::exp(-0.5 * x * x) ? x : -1;
}

// One try: 64 bits = layer (8) | sign (1) | 2 unused | uniform (53).
#define CTM_ZIGGURAT_TRY(z, bits, layer, sign, x)                                              \
  const int layer = static_cast<int>((bits) & 0xff);                                           \
  const double sign = ((bits) & 0x100) ? -1.0 : 1.0;                                           \
  const double x = static_cast<double>(static_cast<int64_t>((bits) >> 11)) * (1.0 / 9007199254740992.0) * (z).x[layer]

double RandomStream::normal() {
  const Ziggurat& z = ziggurat();
  for (;;) {
    const uint64_t bits = (static_cast<uint64_t>(next_u32()) << 32) | next_u32();
    CTM_ZIGGURAT_TRY(z, bits, layer, sign, x);
    if (x < z.x[layer + 1]) return sign * x;
    const double y = normal_rest(layer, x);
    if (y >= 0) return sign * y;
  }
}

#undef CTM_ZIGGURAT_TRY

uint32_t binomial(RandomStream& rs, uint32_t n, double p) {
  if (n == 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rs, n, 1 - p);
  return n * p < 10 ? binomial_inversion(rs, n, p) : binomial_btrd(rs, n, p);
}

double gamma(RandomStream& rs, double shape) {
  if (!(shape > 0)) return 0;
  if (shape < 1) {  // Gamma(a) = Gamma(a + 1) U^(1/a)
    const double g = gamma(rs, shape + 1);
    return g * std::pow(rs.uniform_open(), 1 / shape);
  }
  // Marsaglia & Tsang (2000): d (1 + c x)^3 with x normal, a squeeze, then the exact log test.
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    const double x = rs.normal(), t = 1 + c * x;
    if (t <= 0) continue;
    const double v = t * t * t, u = rs.uniform_open(), x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (std::log(u) < 0.5 * x2 + d * (1 - v + std::log(v))) return d * v;
  }
}

void multinomial(RandomStream& rs, uint32_t n, const double* weights, size_t k, uint32_t* counts) {
  // Category i gets Bin(items left, w_i / weight left). The last positive weight takes what is left,
  // so rounding in `rest` never sends items to a zero weight. (A binary tree of splits was measured
  // too: more instructions, no faster here.)
  size_t last = k;
  double rest = 0;
  for (size_t i = 0; i < k; ++i) {
    counts[i] = 0;
    if (weights[i] > 0) { rest += weights[i]; last = i; }
  }
  if (last == k) return;
  for (size_t i = 0; i < last && n > 0; ++i) {
    const double w = weights[i];
    if (!(w > 0)) continue;
    const uint32_t x = binomial(rs, n, w < rest ? w / rest : 1.0);
    counts[i] = x;
    n -= x;
    rest -= w;
  }
  counts[last] += n;
}

}  // namespace ctm::collapse
