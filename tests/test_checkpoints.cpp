// The spec's published checkpoints (shared/spec/ctm-formalism.md section 3), pybdm's D(5,2) K values
// for all 8,190 binary strings of length 1..12, and the official numbered-enumeration checkpoint.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

#include "ctm/enumerate.hpp"
#include "ctm/machine.hpp"

using namespace ctm;

namespace {

Table table_of(int n, int k, uint32_t cutoff = 0) {
  EnumerateOptions o;
  o.space = Space{n, k, 1};
  o.cutoff = cutoff;
  o.backend = "cpu";
  return enumerate(o);
}

struct Checkpoint {
  int n;
  uint32_t cutoff;
  const char* machines;
  const char* halting;
  const char* blank0_halting;
  size_t distinct;
};

const Checkpoint kCheckpoints[] = {
    {1, 1, "36", "24", "12", 2},
    {2, 6, "10000", "6088", "3044", 22},
    {3, 21, "7529536", "4294368", "2147184", 128},
    {4, 107, "11019960576", "5970768960", "2985384480", 1832},
};

}  // namespace

TEST(Checkpoints, BinarySpacesOneToFour) {
  for (const auto& c : kCheckpoints) {
    SCOPED_TRACE("n = " + std::to_string(c.n));
    const Table t = table_of(c.n, 2);
    EXPECT_EQ(t.meta.cutoff, c.cutoff);
    EXPECT_EQ(to_string(t.machines), c.machines);
    EXPECT_EQ(to_string(t.halting), c.halting);
    EXPECT_EQ(to_string(t.halting / 2), c.blank0_halting);
    EXPECT_EQ(t.counts.size(), c.distinct);
    EXPECT_EQ(t.machines, Space({c.n, 2, 1}).machine_count());
    EXPECT_NO_THROW(t.check_consistency());
  }
}

TEST(Checkpoints, PublishedCountsOfShortStrings) {
  const Table d2 = table_of(2, 2);
  for (const char* s : {"0", "1"}) EXPECT_EQ(to_string(d2.count(s)), "2000");
  for (const char* s : {"00", "01", "10", "11"}) EXPECT_EQ(to_string(d2.count(s)), "508");
  const Table d4 = table_of(4, 2);
  for (const char* s : {"0", "1"}) EXPECT_EQ(to_string(d4.count(s)), "1224440064");
  for (const char* s : {"00", "01", "10", "11"}) EXPECT_EQ(to_string(d4.count(s)), "611436144");
  for (const char* s : {"000", "111"}) EXPECT_EQ(to_string(d4.count(s)), "112069020");
}

TEST(Checkpoints, OfficialNumberedEnumerationOfTwoTwo) {
  // Machines 0..1000 of (2,2) at cutoff 500 on blank 0, numbered as the official simulator does.
  std::map<std::string, int> got;
  for (int i = 0; i <= 1000; ++i) {
    const Machine m = decode_machine_number(Space{2, 2, 1}, i);
    const auto out = simulate_naive(m, 0, 500);
    got[out ? *out : "nonhalting"]++;
  }
  const std::map<std::string, int> expected = {{"nonhalting", 658}, {"0", 101}, {"00", 46}, {"001", 1},
                                               {"01", 34},          {"010", 2}, {"011", 1}, {"1", 100},
                                               {"10", 34},          {"100", 1}, {"11", 22}, {"110", 1}};
  EXPECT_EQ(got, expected);
}

TEST(Checkpoints, StandardTextFormatRoundTrip) {
  const Machine m = parse_standard_text("1RB1LB_1LA1RZ", 2);
  EXPECT_EQ(to_standard_text(m), "1RB1LB_1LA1RZ");
  EXPECT_TRUE(m.entries[3].halt);
  EXPECT_EQ(*simulate_naive(m, 0, 100), "1111");  // the 2-state busy beaver: 4 ones, 6 steps
  uint32_t steps = 0;
  simulate_naive(m, 0, 100, &steps);
  EXPECT_EQ(steps, 6u);
  EXPECT_THROW(parse_standard_text("1RB1LB_1LA1R", 2), Error);
  EXPECT_THROW(parse_standard_text("1RB1LB_1LA1RC", 2), Error);
}

// D(5,2) at cutoff 500: every checkpoint, and K of all binary strings of length 1..12 equal to
// pybdm's published table (ctm-b2-d12) to 1e-9, the two strings missing from D(5,2) aside.
TEST(Checkpoints, FiveTwoFullTableMatchesSpecAndPybdm) {
  const Table t = table_of(5, 2);
  EXPECT_EQ(t.meta.cutoff, 500u);
  EXPECT_EQ(to_string(t.machines), "26559922791424");
  EXPECT_EQ(to_string(t.halting), "13794527777344");
  EXPECT_EQ(to_string(t.halting / 2), "6897263888672");
  EXPECT_EQ(t.counts.size(), 99608u);
  EXPECT_EQ(to_string(t.count("0")), "2414538435584");
  EXPECT_EQ(to_string(t.count("1")), "2414538435584");
  EXPECT_NEAR(t.complexity("0"), 2.5142767361233522, 1e-12);
  EXPECT_NO_THROW(t.check_consistency());

  // Every binary string of length <= 11 occurs; at length 12 exactly two are missing.
  std::vector<std::string> missing;
  for (int len = 1; len <= 12; ++len)
    for (uint32_t bits = 0; bits < (1u << len); ++bits) {
      std::string s(len, '0');
      for (int i = 0; i < len; ++i) s[i] = (bits >> (len - 1 - i)) & 1 ? '1' : '0';
      if (t.count(s) == 0) missing.push_back(s);
    }
  EXPECT_EQ(missing, (std::vector<std::string>{"000110100111", "111001011000"}));

  std::ifstream in(std::string(CTM_SHARED_DIR) + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv");
  ASSERT_TRUE(in) << "shared/anchors-data not found at " << CTM_SHARED_DIR;
  std::string s;
  double k;
  int compared = 0, skipped = 0;
  double worst = 0;
  while (in >> s >> k) {
    if (s == "000110100111" || s == "111001011000") { ++skipped; continue; }
    const double ours = t.complexity(s);
    worst = std::max(worst, std::fabs(ours - k));
    EXPECT_NEAR(ours, k, 1e-9) << s;
    ++compared;
  }
  EXPECT_EQ(compared, 8188);
  EXPECT_EQ(skipped, 2);
  RecordProperty("max_abs_K_difference_vs_pybdm", std::to_string(worst));

  // Exact integer counts: pybdm's older table of D(5)(s) for the 4,094 strings starting with 1
  // (D*H is an integer; tests/data/pybdm_d5_counts.tsv, made by scripts/pybdm_d5_counts.py).
  std::ifstream counts(std::string(CTM_SOURCE_DIR) + "/tests/data/pybdm_d5_counts.tsv");
  ASSERT_TRUE(counts);
  std::string line;
  int rows = 0;
  while (std::getline(counts, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    const std::string str = line.substr(0, tab), expected = line.substr(tab + 1);
    EXPECT_EQ(to_string(t.count(str)), expected) << str;
    std::string complement = str;
    for (char& ch : complement) ch = ch == '0' ? '1' : '0';
    EXPECT_EQ(to_string(t.count(complement)), expected) << complement;
    ++rows;
  }
  EXPECT_EQ(rows, 4094);
}

#include "ctm/table_io.hpp"

// The tables shipped in data/ are exactly what the engine computes now (and read back intact).
TEST(ShippedTables, EqualAFreshEnumeration) {
  struct Shipped { const char* file; int n, k; uint32_t cutoff; };
  const Shipped shipped[] = {{"d1-2.ctm", 1, 2, 1},   {"d2-2.ctm", 2, 2, 6},     {"d3-2.ctm", 3, 2, 21},
                             {"d4-2.ctm", 4, 2, 107}, {"d2-3.ctm", 2, 3, 500},   {"d2-4.ctm", 2, 4, 500},
                             {"d3-3.ctm", 3, 3, 500}};
  for (const auto& s : shipped) {
    SCOPED_TRACE(s.file);
    const Table file = read_table(std::string(CTM_SOURCE_DIR) + "/data/" + s.file);
    const Table fresh = table_of(s.n, s.k, s.cutoff);
    EXPECT_EQ(file.meta.cutoff, s.cutoff);
    EXPECT_EQ(file.counts, fresh.counts);
    EXPECT_EQ(to_string(file.halting), to_string(fresh.halting));
    // Non-halting runs in total; the proved / cut-off split moves when a decider is added
    // (docs/deciders.md), and only ever towards proved.
    EXPECT_EQ(to_string(file.nonhalting_proved + file.nonhalting_cutoff),
              to_string(fresh.nonhalting_proved + fresh.nonhalting_cutoff));
    EXPECT_LE(file.nonhalting_proved, fresh.nonhalting_proved);
    EXPECT_EQ(file.halt_time, fresh.halt_time);
  }
  // D(5,2) is compared with the spec's checkpoints instead of a second 30-second run.
  const Table d5 = read_table(std::string(CTM_SOURCE_DIR) + "/data/d5-2.ctm");
  EXPECT_EQ(to_string(d5.halting), "13794527777344");
  EXPECT_EQ(d5.counts.size(), 99608u);
  EXPECT_EQ(to_string(d5.count("0")), "2414538435584");
}
