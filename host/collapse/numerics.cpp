// Small numerics of the collapse simulator: the normal quantile, digamma, dense Cholesky / inverse /
// Jacobi eigenvalues for the Gaussian learner, the regularized incomplete gamma and chi-square quantile.
#include <algorithm>
#include <cmath>

#include "internal.hpp"

namespace ctm::collapse {
namespace detail {

double normal_quantile(double p) {  // bisection: only used once per run
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (normal_cdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double digamma(double x) {
  double r = 0;
  while (x < 6) { r -= 1 / x; x += 1; }
  const double f = 1 / (x * x);
  return r + std::log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

bool cholesky(const Mat& a, int d, Mat& l) {
  l.assign(static_cast<size_t>(d) * d, 0.0);
  for (int j = 0; j < d; ++j) {
    double s = a[j * d + j];
    for (int k = 0; k < j; ++k) s -= l[j * d + k] * l[j * d + k];
    if (!(s > 0)) return false;
    const double ljj = std::sqrt(s);
    l[j * d + j] = ljj;
    for (int i = j + 1; i < d; ++i) {
      double t = a[i * d + j];
      for (int k = 0; k < j; ++k) t -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = t / ljj;
    }
  }
  return true;
}
double chol_logdet(const Mat& l, int d) {
  double s = 0;
  for (int i = 0; i < d; ++i) s += 2 * std::log(l[i * d + i]);
  return s;
}
Mat chol_inverse(const Mat& l, int d) {  // (L L^T)^-1
  Mat linv(static_cast<size_t>(d) * d, 0.0);
  for (int i = 0; i < d; ++i) {
    linv[i * d + i] = 1 / l[i * d + i];
    for (int j = 0; j < i; ++j) {
      double s = 0;
      for (int k = j; k < i; ++k) s -= l[i * d + k] * linv[k * d + j];
      linv[i * d + j] = s / l[i * d + i];
    }
  }
  Mat inv(static_cast<size_t>(d) * d, 0.0);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = 0;
      for (int k = i; k < d; ++k) s += linv[k * d + i] * linv[k * d + j];
      inv[i * d + j] = inv[j * d + i] = s;
    }
  return inv;
}
// Eigenvalues of a symmetric matrix (cyclic Jacobi).
std::vector<double> sym_eigenvalues(Mat a, int d) {
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0, diag = 0;
    for (int i = 0; i < d; ++i) {
      diag += a[i * d + i] * a[i * d + i];
      for (int j = i + 1; j < d; ++j) off += a[i * d + j] * a[i * d + j];
    }
    if (off <= 1e-24 * diag) break;
    for (int p = 0; p < d; ++p)
      for (int q = p + 1; q < d; ++q) {
        const double apq = a[p * d + q];
        if (std::fabs(apq) < 1e-300) continue;
        const double theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < d; ++k) {
          const double akp = a[k * d + p], akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (int k = 0; k < d; ++k) {
          const double apk = a[p * d + k], aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
      }
  }
  std::vector<double> ev(d);
  for (int i = 0; i < d; ++i) ev[i] = a[i * d + i];
  return ev;
}


}  // namespace detail


// Regularized lower incomplete gamma P(a, x): its series for x < a + 1, else 1 - the continued
// fraction of Q (modified Lentz). Used once per run for the chi-square quantile of the d > 1 tail.
namespace {
using detail::kLn2;
double gamma_p(double a, double x) {
  if (x <= 0) return 0;
  const double lead = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 10000 && std::fabs(term) > 1e-17 * std::fabs(sum); ++n) sum += term *= x / (a + n);
    return std::min(1.0, sum * std::exp(lead));
  }
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, dd = 1 / b, h = dd;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    dd = an * dd + b;
    if (std::fabs(dd) < tiny) dd = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    dd = 1 / dd;
    const double delta = dd * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return std::max(0.0, 1 - std::exp(lead) * h);
}
}  // namespace

double chi2_quantile(double p, int dof) {  // bisection on the cdf P(dof/2, x/2)
  double lo = 0, hi = 10.0 * dof + 100;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (gamma_p(0.5 * dof, 0.5 * mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}


}  // namespace ctm::collapse
