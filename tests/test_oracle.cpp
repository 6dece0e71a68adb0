// The tree enumerator against the naive brute-force oracle, and determinism across threads, shards
// and frontier depths (tables are compared whole: every count, H, histogram, machine count).
#include <gtest/gtest.h>

#include "ctm/enumerate.hpp"
#include "ctm/machine.hpp"
#include "engine/tree.hpp"  // for_each_halting_leaf (internal)
#include "table_testing.hpp"

using namespace ctm;

namespace {

Table tree(int n, int k, uint32_t cutoff, int threads = 0, uint32_t shard = 0, uint32_t shards = 1, int depth = 0) {
  return test_support::enumerate_table({Space{n, k, 1}, cutoff, "cpu", threads, shard, shards, depth});
}

using test_support::expect_identical;
using test_support::expect_same_outputs;

}  // namespace

struct OracleCase {
  int n, k;
  uint32_t cutoff;
};

class TreeVersusBruteForce : public ::testing::TestWithParam<OracleCase> {};

TEST_P(TreeVersusBruteForce, SameTable) {
  const auto c = GetParam();
  const Table brute = enumerate_bruteforce(Space{c.n, c.k, 1}, c.cutoff);
  const Table t = tree(c.n, c.k, c.cutoff);
  expect_same_outputs(brute, t);
  EXPECT_GT(t.counts.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(TinySpaces, TreeVersusBruteForce,
                         ::testing::Values(OracleCase{1, 2, 1}, OracleCase{1, 2, 30}, OracleCase{2, 2, 6},
                                           OracleCase{2, 2, 60}, OracleCase{3, 2, 21}, OracleCase{3, 2, 40},
                                           OracleCase{1, 3, 20}, OracleCase{2, 3, 12}, OracleCase{1, 4, 30},
                                           OracleCase{1, 5, 10}),
                         [](const auto& info) {
                           return "n" + std::to_string(info.param.n) + "k" + std::to_string(info.param.k) + "T" +
                                  std::to_string(info.param.cutoff);
                         });

TEST(Determinism, OneAndTwoThreadsGiveTheSameTable) {
  expect_identical(tree(4, 2, 107, 1), tree(4, 2, 107, 2));
  expect_identical(tree(2, 3, 200, 1), tree(2, 3, 200, 2));
}

TEST(Determinism, ShardsMergeToTheWholeTable) {
  const Table whole = tree(4, 2, 107);
  Table merged = tree(4, 2, 107, 0, 0, 3);
  EXPECT_LT(merged.machines, whole.machines);  // a shard is a strict part
  merged.merge(tree(4, 2, 107, 0, 1, 3));
  merged.merge(tree(4, 2, 107, 0, 2, 3));
  expect_identical(whole, merged);
  EXPECT_NO_THROW(merged.check_consistency());
}

TEST(Determinism, FrontierDepthDoesNotChangeTheTable) {
  const Table base = tree(3, 2, 21, 2, 0, 1, 1);
  for (int depth : {2, 3, 5}) expect_identical(base, tree(3, 2, 21, 2, 0, 1, depth));
}

TEST(Symmetry, ReversalAndComplementHaveEqualCounts) {
  const Table t = tree(4, 2, 107);
  for (const auto& [s, c] : t.counts) {
    std::string rev(s.rbegin(), s.rend()), comp = s;
    for (char& ch : comp) ch = ch == '0' ? '1' : '0';
    ASSERT_EQ(to_string(t.count(rev)), to_string(c)) << s;
    ASSERT_EQ(to_string(t.count(comp)), to_string(c)) << s;
  }
}

TEST(Symmetry, ThreeSymbolRelabellingHasEqualCounts) {
  const Table t = tree(2, 3, 100);
  for (const auto& [s, c] : t.counts) {
    std::string swapped = s;  // the 1<->2 relabelling maps machines to machines
    for (char& ch : swapped) ch = ch == '1' ? '2' : (ch == '2' ? '1' : ch);
    ASSERT_EQ(to_string(t.count(swapped)), to_string(c)) << s;
  }
}

TEST(Machines, LeafListingAddsUpToTheTable) {
  const Table t = tree(3, 2, 21);
  count_t total = 0;
  for_each_halting_leaf(Space{3, 2, 1}, 21, [&](const HaltingLeaf& leaf) {
    if (leaf.output == "0110") total += leaf.weight;
  });
  count_t zero_blank_complement = 0;
  for_each_halting_leaf(Space{3, 2, 1}, 21, [&](const HaltingLeaf& leaf) {
    if (leaf.output == "1001") zero_blank_complement += leaf.weight;
  });
  EXPECT_EQ(to_string(total + zero_blank_complement), to_string(t.count("0110")));
  EXPECT_GT(total, 0);
}

TEST(Errors, BadSpacesAndOptionsAreRejected) {
  EXPECT_THROW(tree(6, 3, 10), Error);   // 18 entries
  EXPECT_THROW(tree(2, 1, 10), Error);   // one symbol
  EXPECT_THROW(tree(0, 2, 10), Error);   // no state
  EXPECT_THROW(tree(2, 3, 0), Error);    // no standard cutoff for (2,3)
  EXPECT_THROW(tree(2, 2, 6, 0, 3, 3), Error);  // shard index out of range
  EnumerateOptions o;
  o.space = Space{2, 2, 1};
  o.backend = "quantum";
  EXPECT_THROW(enumerate(o), Error);
  EXPECT_THROW(enumerate_bruteforce(Space{5, 2, 1}, 10), Error);  // too large for brute force
}

TEST(Progress, CallbackCanCancel) {
  EnumerateOptions o;
  o.space = Space{5, 2, 1};
  o.threads = 2;
  o.progress_interval = 0.01;
  int calls = 0;
  o.progress = [&](const Progress& p) {
    ++calls;
    EXPECT_LE(p.items_done, p.items_total);
    return false;
  };
  EXPECT_THROW(enumerate(o), Cancelled);
  EXPECT_EQ(calls, 1);
}

// A run that ends before its first report is due still reports once, at the end, with every work
// item done and every machine covered (the Python bar and callbacks rely on it). Its answer is not
// asked: nothing is left to cancel.
TEST(Progress, AFinishedRunReportsItsEnd) {
  EnumerateOptions o;
  o.space = Space{3, 2, 1};
  o.threads = 2;
  o.progress_interval = 3600;
  int calls = 0;
  Progress last;
  o.progress = [&](const Progress& p) {
    ++calls;
    last = p;
    return false;
  };
  const Table t = enumerate(o);
  EXPECT_EQ(calls, 1);
  EXPECT_GT(last.items_total, 0u);
  EXPECT_EQ(last.items_done, last.items_total);
  EXPECT_GT(last.tree_nodes, 0u);
  EXPECT_GT(last.machines_covered, 0);
  EXPECT_LE(last.machines_covered, o.space.machine_count());
  EXPECT_GT(t.halting, 0);
}
