// The collapse simulator's random numbers: Philox4x32-10 against the published known-answer vectors,
// keyed streams, and the exact samplers (binomial, multinomial, ziggurat normal, chi-square via gamma)
// against their distributions within a stated number of standard errors.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "ctm/collapse.hpp"

using namespace ctm::collapse;

namespace {
constexpr double kSe = 5.0;  // tolerance in standard errors, as in test_collapse.cpp
}  // namespace

TEST(CollapseRng, PhiloxMatchesPublishedKnownAnswers) {
  // Random123 kat_vectors, philox4x32 10.
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}), (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}),
            (std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(CollapseRng, StreamsAreKeyedAndNormalsAreStandard) {
  // The stream's words are the Philox blocks of counters (0, stream, generation, replicate), (1, ...), ...
  RandomStream k(0x299f31d0a4093822ull, 5, 6, 7);
  for (uint32_t block = 0; block < 40; ++block)
    for (uint32_t w : philox4x32_10({block, 7, 6, 5}, {0xa4093822u, 0x299f31d0u})) ASSERT_EQ(k.next_u32(), w);
  RandomStream a(7, 1, 2, 3), b(7, 1, 2, 3), c(7, 1, 3, 3);
  EXPECT_EQ(a.next_u32(), b.next_u32());
  EXPECT_NE(a.next_u32(), c.next_u32());
  RandomStream r(99, 0, 0, 1);
  const int n = 400000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) { const double z = r.normal(); s += z; s2 += z * z; }
  EXPECT_NEAR(s / n, 0.0, kSe / std::sqrt(n));
  EXPECT_NEAR(s2 / n, 1.0, kSe * std::sqrt(2.0 / n));
  int hits = 0;
  for (int i = 0; i < n; ++i) hits += r.below(3) == 2;
  EXPECT_NEAR(hits / double(n), 1.0 / 3, kSe * std::sqrt(2.0 / 9 / n));
}

namespace {
// Pearson chi-square of observed counts against expected ones, bins with expected < 5 pooled;
// returns (statistic, degrees of freedom).
std::pair<double, int> chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
  double stat = 0, po = 0, pe = 0;
  int bins = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    po += observed[i];
    pe += expected[i];
    if (pe >= 5) { stat += (po - pe) * (po - pe) / pe; ++bins; po = pe = 0; }
  }
  if (pe > 0) { stat += (po - pe) * (po - pe) / pe; ++bins; }
  return {stat, std::max(bins - 1, 1)};
}
}  // namespace

TEST(CollapseRng, BinomialMatchesTheExactPmf) {
  // Both branches (inversion below n p = 10, BTRD above, p > 1/2 by symmetry), including BTRD's
  // recurrence (|k - m| <= 15) and squeeze / Stirling tests (large n p q).
  const std::vector<std::pair<uint32_t, double>> cases{{20, 0.3}, {1000, 0.009}, {1000, 0.013}, {100, 0.7},
                                                       {50, 0.5}, {1000000, 0.4}, {3, 0.999}};
  const int draws = 200000;
  for (auto [n, p] : cases) {
    RandomStream rs(2024, n, 0, 9);
    std::vector<double> observed(n + 1, 0.0), expected(n + 1);
    double s = 0, s2 = 0;
    for (int i = 0; i < draws; ++i) {
      const uint32_t x = binomial(rs, n, p);
      ASSERT_LE(x, n);
      observed[x] += 1;
      s += x;
      s2 += double(x) * x;
    }
    for (uint32_t k = 0; k <= n; ++k)
      expected[k] = draws * std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) +
                                     k * std::log(p) + (n - k) * std::log1p(-p));
    const double mean = n * p, var = n * p * (1 - p);
    EXPECT_NEAR(s / draws, mean, kSe * std::sqrt(var / draws)) << n << " " << p;
    const double v = s2 / draws - (s / draws) * (s / draws);
    EXPECT_NEAR(v, var, kSe * var * std::sqrt(2.0 / draws) + kSe * std::sqrt(var / draws)) << n << " " << p;
    const auto [stat, df] = chi_square(observed, expected);
    EXPECT_LT(stat, df + kSe * std::sqrt(2.0 * df)) << "chi-square, n " << n << " p " << p << " df " << df;
  }
  RandomStream rs(1, 0, 0, 9);
  EXPECT_EQ(binomial(rs, 0, 0.3), 0u);
  EXPECT_EQ(binomial(rs, 7, 0.0), 0u);
  EXPECT_EQ(binomial(rs, 7, 1.0), 7u);
}

TEST(CollapseRng, MultinomialCountsHaveTheRightMeansAndSum) {
  const std::vector<double> w{3, 0, 1, 6, 0};  // any scale; zero weights never get items
  RandomStream rs(5, 0, 0, 9);
  const int draws = 100000, n = 40;
  std::vector<double> s(w.size(), 0.0);
  std::vector<uint32_t> counts(w.size());
  for (int i = 0; i < draws; ++i) {
    multinomial(rs, n, w.data(), w.size(), counts.data());
    uint32_t total = 0;
    for (size_t j = 0; j < w.size(); ++j) { total += counts[j]; s[j] += counts[j]; }
    ASSERT_EQ(total, uint32_t(n));
    ASSERT_EQ(counts[1] + counts[4], 0u);
  }
  for (size_t j = 0; j < w.size(); ++j) {
    const double p = w[j] / 10;
    EXPECT_NEAR(s[j] / draws, n * p, kSe * std::sqrt(n * p * (1 - p) / draws) + 1e-12) << "category " << j;
  }
}

TEST(CollapseRng, ZigguratNormalMatchesTheCdfIncludingTheTail) {
  RandomStream rs(77, 0, 0, 9);
  const int draws = 1000000, bins = 64;  // bins of width 0.125 on [-4, 4] plus the two tails
  std::vector<double> observed(bins + 2, 0.0), expected(bins + 2);
  auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  int beyond_r = 0;
  for (int i = 0; i < draws; ++i) {
    const double z = rs.normal();
    beyond_r += std::fabs(z) > 3.6541528853610088;
    const int b = z < -4 ? 0 : z >= 4 ? bins + 1 : 1 + std::min(bins - 1, int((z + 4) / 0.125));
    observed[b] += 1;
  }
  expected[0] = expected[bins + 1] = draws * cdf(-4);
  for (int b = 0; b < bins; ++b) expected[b + 1] = draws * (cdf(-4 + 0.125 * (b + 1)) - cdf(-4 + 0.125 * b));
  const auto [stat, df] = chi_square(observed, expected);
  EXPECT_LT(stat, df + kSe * std::sqrt(2.0 * df));
  const double p_tail = 2 * cdf(-3.6541528853610088);
  EXPECT_NEAR(beyond_r, draws * p_tail, kSe * std::sqrt(draws * p_tail));
}

TEST(CollapseRng, ChiSquareFromGammaMatchesTheCdf) {
  // 2 gamma(k/2) against the chi-square CDF: k = 1 (the shape < 1 boost), k = 2 and k = 98 (closed
  // forms for even k: 1 - e^{-x/2} sum_{j<k/2} (x/2)^j / j!).
  auto cdf = [](int k, double x) {
    if (k == 1) return std::erf(std::sqrt(x / 2));
    double term = 1, sum = 0;
    for (int j = 0; j < k / 2; ++j) { sum += term; term *= (x / 2) / (j + 1); }
    return 1 - std::exp(-x / 2) * sum;
  };
  const int draws = 200000, bins = 40;
  for (int k : {1, 2, 98}) {
    RandomStream rs(11, k, 0, 9);
    // Bins of equal width up to k + 8 sqrt(2k), one tail bin above.
    const double top = k + 8 * std::sqrt(2.0 * k), width = top / bins;
    std::vector<double> observed(bins + 1, 0.0), expected(bins + 1);
    double s = 0;
    for (int i = 0; i < draws; ++i) {
      const double x = 2 * gamma(rs, 0.5 * k);
      ASSERT_GE(x, 0);
      s += x;
      observed[std::min(bins, int(x / width))] += 1;
    }
    for (int b = 0; b < bins; ++b) expected[b] = draws * (cdf(k, (b + 1) * width) - cdf(k, b * width));
    expected[bins] = draws * (1 - cdf(k, top));
    EXPECT_NEAR(s / draws, k, kSe * std::sqrt(2.0 * k / draws)) << "k " << k;
    const auto [stat, df] = chi_square(observed, expected);
    EXPECT_LT(stat, df + kSe * std::sqrt(2.0 * df)) << "chi-square, k " << k;
  }
}
