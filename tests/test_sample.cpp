// Sampling mode: reproducible counter-based draws, the sampler's simulator against the naive one,
// exact merging of index ranges, metadata round trip, and coverage of the 95% intervals measured
// against exact tables over many seeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "ctm/enumerate.hpp"
#include "ctm/sample.hpp"
#include "ctm/table_io.hpp"
#include "table_testing.hpp"

using namespace ctm;

namespace {

Table sampled(Space space, uint32_t cutoff, uint64_t seed, uint64_t start, uint64_t count, int threads = 0) {
  SampleOptions o;
  o.space = space;
  o.cutoff = cutoff;
  o.seed = seed;
  o.start = start;
  o.machines = count;
  o.threads = threads;
  o.backend = "cpu";  // the oracle; the CUDA sampler is compared with it in test_device_sample / test_gpu
  return sample(o);
}

Table exact(Space space, uint32_t cutoff) { return test_support::enumerate_table({space, cutoff}); }

}  // namespace

TEST(Sample, MachinesAreDeterminedBySeedAndIndex) {
  const Space s{3, 2, 1};
  EXPECT_EQ(to_standard_text(sampled_machine(s, 7, 123)), to_standard_text(sampled_machine(s, 7, 123)));
  EXPECT_NE(to_standard_text(sampled_machine(s, 7, 123)), to_standard_text(sampled_machine(s, 7, 124)));
  EXPECT_NE(to_standard_text(sampled_machine(s, 7, 123)), to_standard_text(sampled_machine(s, 8, 123)));
  // Every option of an entry is drawn, about equally often (14 options; 14000 draws).
  std::vector<int> seen(14, 0);
  for (uint64_t i = 0; i < 14000; ++i) {
    const MachineEntry e = sampled_machine(s, 1, i).entries[0];
    const int option = e.halt ? e.write : 2 + e.write + 2 * (e.move + 2 * e.next);
    seen.at(option)++;
  }
  for (int c : seen) { EXPECT_GT(c, 850); EXPECT_LT(c, 1150); }
}

TEST(Sample, SimulatorAgreesWithTheNaiveOne) {
  for (const auto& [space, cutoff] : {std::pair{Space{3, 2, 1}, 40u}, std::pair{Space{2, 3, 1}, 30u},
                                      std::pair{Space{2, 2, 2}, 30u}, std::pair{Space{3, 2, 2}, 25u}}) {
    const uint64_t count = 3000;
    const Table t = sampled(space, cutoff, 99, 500, count, 2);
    Table naive;
    count_t halting = 0;
    for (uint64_t i = 500; i < 500 + count; ++i) {
      const Machine m = sampled_machine(space, 99, i);
      for (int b = 0; b < space.symbols; ++b) {
        auto out = space.dims == 2 ? simulate_naive_2d(m, b, cutoff) : simulate_naive(m, b, cutoff);
        if (out) { naive.counts[*out]++; ++halting; }
      }
    }
    EXPECT_EQ(t.counts, naive.counts) << space.name();
    EXPECT_EQ(to_string(t.halting), to_string(halting));
    EXPECT_EQ(to_string(t.machines), std::to_string(count));
    EXPECT_NO_THROW(t.check_consistency());
  }
}

TEST(Sample, SpacesBeyondTheTreesSixteenEntries) {
  // (4,5), (4,6), (4,9): the published sampled spaces, 20, 24 and 36 entries; the tree engine keeps
  // its n*k <= 16 limit. (4,6) and (4,9) have more than 2^128 machines.
  for (const Space space : {Space{4, 5, 1}, Space{4, 6, 1}, Space{4, 9, 1}}) {
    EXPECT_THROW(space.validate(), Error);
    EXPECT_NO_THROW(space.validate_sampled());
    const uint64_t count = 400;
    const uint32_t cutoff = 300;
    const Table t = sampled(space, cutoff, 11, 1000, count, 2);
    Table naive;
    count_t halting = 0;
    for (uint64_t i = 1000; i < 1000 + count; ++i) {
      const Machine m = sampled_machine(space, 11, i);
      ASSERT_EQ(m.entries.size(), static_cast<size_t>(space.entries()));
      for (int b = 0; b < space.symbols; ++b)
        if (auto out = simulate_naive(m, b, cutoff)) { naive.counts[*out]++; ++halting; }
    }
    EXPECT_EQ(t.counts, naive.counts) << space.name();
    EXPECT_EQ(to_string(t.halting), to_string(halting)) << space.name();
    EXPECT_GT(t.counts.size(), 10u) << space.name();
    EXPECT_NO_THROW(t.check_consistency());
  }
  EXPECT_THROW(Space({17, 2, 1}).validate_sampled(), Error);
}

TEST(Sample, DrawsOfSmallSpacesUnchanged) {
  // (4,4) at T = 2000, seed 2026, indices [123, 5123): the table written by commit 932689e, when a
  // machine was drawn as one 128-bit number (entry by entry since; the same machines).
  const Table t = sampled(Space{4, 4, 1}, 2000, 2026, 123, 5000, 1);
  EXPECT_EQ(to_string(t.halting), "6526");
  EXPECT_EQ(to_string(t.nonhalting_proved), "3204");
  EXPECT_EQ(to_string(t.nonhalting_cutoff), "10270");
  EXPECT_EQ(t.counts.size(), 479u);
  EXPECT_EQ(to_string(t.counts.at("1")), "563");
  EXPECT_EQ(to_string(t.counts.at("0")), "534");
}

TEST(Sample, DisjointRangesMergeExactlyAndOverlapsAreRefused) {
  const Space s{3, 2, 1};
  const Table whole = sampled(s, 21, 5, 0, 20000, 1);
  Table a = sampled(s, 21, 5, 0, 8000, 2);
  const Table b = sampled(s, 21, 5, 8000, 12000, 2);
  a.merge(b);
  EXPECT_EQ(a.counts, whole.counts);
  EXPECT_EQ(to_string(a.halting), to_string(whole.halting));
  EXPECT_EQ(to_string(a.nonhalting_proved), to_string(whole.nonhalting_proved));
  EXPECT_EQ(a.halt_time, whole.halt_time);
  ASSERT_EQ(a.meta.sampling.ranges.size(), 1u);
  EXPECT_EQ(a.meta.sampling.ranges[0], (SampleRange{0, 20000}));

  Table c = sampled(s, 21, 5, 0, 1000);
  EXPECT_THROW(c.merge(sampled(s, 21, 5, 999, 10)), Error);   // overlap
  EXPECT_THROW(c.merge(sampled(s, 21, 6, 1000, 10)), Error);  // another seed
  EXPECT_THROW(c.merge(sampled(s, 22, 5, 1000, 10)), Error);  // another cutoff
  EXPECT_THROW(c.merge(exact(Space{3, 2, 1}, 21)), Error);     // exact with sampled
  c.merge(sampled(s, 21, 5, 5000, 10));                       // a gap is fine
  EXPECT_EQ(c.meta.sampling.ranges.size(), 2u);
  EXPECT_EQ(c.meta.sampling.machines(), 1010u);
}

TEST(Sample, MetadataRoundTripsThroughTheFile) {
  const auto path = std::filesystem::temp_directory_path() / ("ctm-sample-" + std::to_string(::getpid()) + ".ctm");
  Table t = sampled(Space{2, 2, 2}, 20, 42, 100, 3000);
  t.merge(sampled(Space{2, 2, 2}, 20, 42, 5000, 100));
  write_table(t, path.string());
  const Table r = read_table(path.string());
  std::filesystem::remove(path);
  EXPECT_TRUE(r.meta.sampling.sampled);
  EXPECT_EQ(r.meta.sampling.seed, 42u);
  EXPECT_EQ(r.meta.sampling.ranges, t.meta.sampling.ranges);
  EXPECT_EQ(r.counts, t.counts);
  EXPECT_EQ(r.meta.space.dims, 2);
}

// The CPU sampler reports progress as the enumerators do (issue 14: it used to run silently), in
// machines, and a false return cancels it.
TEST(Sample, CpuSamplerReportsProgressAndCancels) {
  SampleOptions o;
  o.space = Space{5, 2, 1};
  o.seed = 3;
  o.machines = 500'000;  // seconds of work; the cancel ends it after about 30 ms
  o.backend = "cpu";
  o.threads = 2;
  o.progress_interval = 0.01;
  Progress seen;
  int calls = 0;
  o.progress = [&](const Progress& p) {
    seen = p;
    return ++calls < 3;
  };
  EXPECT_THROW(sample(o), Cancelled);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(seen.items_total, o.machines);
  EXPECT_LE(seen.items_done, o.machines);
  EXPECT_EQ(seen.items_done % 1024, 0u);  // whole blocks of machines
}

TEST(Sample, WilsonIntervalClosedForms) {
  const Interval zero = wilson_interval(0, 100);
  EXPECT_DOUBLE_EQ(zero.low, 0);
  EXPECT_NEAR(zero.high, 3.8415 / (100 + 3.8415), 1e-4);  // z^2 / (n + z^2)
  const Interval half = wilson_interval(50, 100);
  EXPECT_NEAR(half.low + half.high, 1.0, 1e-12);  // symmetric about 1/2
  EXPECT_NEAR(half.high - half.low, 2 * 0.0960, 2e-3);
}

// Over 50 seeds, the 95% intervals of the most frequent strings contain the exact D(s) in 85-100%
// of the runs, and every estimate is within its interval's reach of the exact value.
struct CoverageCase {
  Space space;
  uint32_t cutoff;
  uint64_t machines;
};
class SampleCoverage : public ::testing::TestWithParam<CoverageCase> {};

TEST_P(SampleCoverage, IntervalsCoverTheExactTable) {
  const auto c = GetParam();
  const Table ex = exact(c.space, c.cutoff);
  std::vector<std::pair<count_t, std::string>> top;
  for (const auto& [s, n] : ex.counts) top.emplace_back(n, s);
  std::sort(top.rbegin(), top.rend());
  top.resize(std::min<size_t>(top.size(), 8));
  std::vector<int> covered(top.size(), 0);
  const int seeds = 50;
  for (int seed = 1; seed <= seeds; ++seed) {
    const Table t = sampled(c.space, c.cutoff, static_cast<uint64_t>(seed) * 7919, 0, c.machines);
    for (size_t i = 0; i < top.size(); ++i) {
      const double d = ex.probability(top[i].second);
      const Interval iv = d_interval(t, top[i].second);
      if (iv.low <= d && d <= iv.high) covered[i]++;
      EXPECT_LT(std::fabs(t.probability(top[i].second) - d), 2.5 * (iv.high - iv.low)) << top[i].second;
    }
  }
  int total = 0;
  for (size_t i = 0; i < top.size(); ++i) {
    const double rate = static_cast<double>(covered[i]) / seeds;
    EXPECT_GE(rate, 0.85) << top[i].second;
    EXPECT_LE(rate, 1.0);
    total += covered[i];
  }
  const double overall = static_cast<double>(total) / (seeds * top.size());
  EXPECT_GT(overall, 0.90);
  EXPECT_LT(overall, 0.995);  // not vacuously wide intervals
}

INSTANTIATE_TEST_SUITE_P(SmallSpaces, SampleCoverage,
                         ::testing::Values(CoverageCase{Space{3, 2, 1}, 21, 4000}, CoverageCase{Space{2, 3, 1}, 40, 4000},
                                           CoverageCase{Space{2, 2, 2}, 30, 4000}),
                         [](const auto& info) {
                           const Space& s = info.param.space;
                           return "n" + std::to_string(s.states) + "k" + std::to_string(s.symbols) + "d" + std::to_string(s.dims);
                         });
