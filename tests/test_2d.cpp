// 2D machines (spec section 4): the tree enumeration against the naive whole-machine brute force,
// the 8 grid symmetries and the blank symmetry of every output, threads and shards.
#include <gtest/gtest.h>

#include <set>

#include "ctm/enumerate.hpp"
#include "ctm/machine.hpp"
#include "table_testing.hpp"

using namespace ctm;

namespace {

Table tree_2d(int n, int k, uint32_t cutoff, int threads = 0, uint32_t shard = 0, uint32_t shards = 1) {
  return test_support::enumerate_table({Space{n, k, 2}, cutoff, "cpu", threads, shard, shards, 0});
}

// Independent of grid_key.cpp: an array as rows, and the dihedral images.
std::vector<std::string> rows_of(const std::string& key) {
  std::vector<std::string> rows(1);
  for (char c : key) {
    if (c == '-') rows.emplace_back(); else rows.back() += c;
  }
  return rows;
}
std::string key_of(const std::vector<std::string>& rows) {
  std::string s;
  for (size_t i = 0; i < rows.size(); ++i) s += (i ? "-" : "") + rows[i];
  return s;
}
std::vector<std::string> transpose(const std::vector<std::string>& a) {
  std::vector<std::string> t(a[0].size(), std::string(a.size(), ' '));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[0].size(); ++j) t[j][i] = a[i][j];
  return t;
}
std::vector<std::string> flip_rows(std::vector<std::string> a) { return {a.rbegin(), a.rend()}; }
std::vector<std::string> images(const std::string& key) {
  std::vector<std::string> out;
  auto a = rows_of(key);
  for (int i = 0; i < 4; ++i) {
    out.push_back(key_of(a));
    out.push_back(key_of(flip_rows(a)));
    a = flip_rows(transpose(a));  // a quarter turn
  }
  return out;
}

}  // namespace

TEST(Space2d, OptionsAndMachineCounts) {
  EXPECT_EQ((Space{4, 2, 2}).options_per_entry(), 34);
  EXPECT_EQ(to_string((Space{4, 2, 2}).machine_count()), "1785793904896");  // 34^8, spec section 4
  EXPECT_EQ(to_string((Space{2, 2, 2}).machine_count()), "104976");
  EXPECT_EQ((Space{1, 2, 2}).name(), "(1,2)_2D");
  EXPECT_THROW((Space{2, 2, 3}).validate(), Error);
  EXPECT_NO_THROW((Space{2, 2, 2}).validate());
}

TEST(Tree2d, OneStateOneStepByHand) {
  // Step 1 halts when entry (1, blank) halts: 2 of 10 options, the other entry free: 20 machines per blank.
  const Table t = tree_2d(1, 2, 1);
  EXPECT_EQ(to_string(t.machines), "100");
  EXPECT_EQ(to_string(t.halting), "40");
  EXPECT_EQ(to_string(t.count("0")), "20");
  EXPECT_EQ(to_string(t.count("1")), "20");
  EXPECT_EQ(t.counts.size(), 2u);
}

struct Case2d {
  int n, k;
  uint32_t cutoff;
};
class Tree2dVersusBruteForce : public ::testing::TestWithParam<Case2d> {};

TEST_P(Tree2dVersusBruteForce, SameTable) {
  const auto c = GetParam();
  const Table brute = enumerate_bruteforce(Space{c.n, c.k, 2}, c.cutoff);
  const Table t = tree_2d(c.n, c.k, c.cutoff);
  test_support::expect_same_outputs(brute, t);
  // One state can only halt on its first step (1x1 outputs, one per symbol); two states make many shapes.
  if (c.n == 1) EXPECT_EQ(t.counts.size(), static_cast<size_t>(c.k)); else EXPECT_GT(t.counts.size(), 20u);
  EXPECT_NO_THROW(t.check_consistency());
}

INSTANTIATE_TEST_SUITE_P(TinySpaces, Tree2dVersusBruteForce,
                         ::testing::Values(Case2d{1, 2, 5}, Case2d{1, 2, 40}, Case2d{2, 2, 6}, Case2d{2, 2, 30},
                                           Case2d{2, 2, 12}, Case2d{1, 3, 25}),
                         [](const auto& info) {
                           return "n" + std::to_string(info.param.n) + "k" + std::to_string(info.param.k) + "T" +
                                  std::to_string(info.param.cutoff);
                         });

TEST(Tree2d, EveryOutputHasTheCountOfItsEightImagesAndItsComplement) {
  for (const Table& t : {tree_2d(2, 2, 30), tree_2d(3, 2, 12)}) {
    std::set<size_t> shapes;
    bool some_square_asymmetric = false;
    for (const auto& [s, c] : t.counts) {
      for (const std::string& img : images(s)) EXPECT_EQ(to_string(t.count(img)), to_string(c)) << s << " vs " << img;
      std::string comp = s;
      for (char& ch : comp) ch = ch == '0' ? '1' : (ch == '1' ? '0' : ch);
      EXPECT_EQ(to_string(t.count(comp)), to_string(c)) << s;
      shapes.insert(rows_of(s).size());
      const auto im = images(s);
      if (std::set<std::string>(im.begin(), im.end()).size() == 8) some_square_asymmetric = true;
    }
    EXPECT_GE(shapes.size(), 3u);         // outputs of several heights
    EXPECT_TRUE(some_square_asymmetric);  // the test is not vacuous
  }
}

TEST(Tree2d, ThreadsAndShardsGiveTheSameTable) {
  const Table one = tree_2d(3, 2, 14, 1);
  const Table two = tree_2d(3, 2, 14, 2);
  EXPECT_EQ(one.counts, two.counts);
  EXPECT_EQ(to_string(one.nonhalting_proved), to_string(two.nonhalting_proved));
  EXPECT_EQ(one.halt_time, two.halt_time);
  Table merged = tree_2d(3, 2, 14, 0, 0, 3);
  EXPECT_LT(merged.machines, one.machines);
  merged.merge(tree_2d(3, 2, 14, 0, 1, 3));
  merged.merge(tree_2d(3, 2, 14, 0, 2, 3));
  EXPECT_EQ(merged.counts, one.counts);
  EXPECT_EQ(to_string(merged.machines), to_string((Space{3, 2, 2}).machine_count()));
  EXPECT_EQ(to_string(merged.nonhalting_cutoff), to_string(one.nonhalting_cutoff));
  EXPECT_NO_THROW(merged.check_consistency());
}

// The 2D CPU run reports the same progress figures as 1D (it passed no figures before the two
// pipelines became one): every report after a finished item has expanded nodes and covered
// machines (east-first leaves times their 4 rotations), never more than the space holds.
TEST(Tree2d, CpuProgressReportsNodesAndMachinesCovered) {
  EnumerateOptions o;
  o.space = Space{4, 2, 2};
  o.cutoff = 200;
  o.backend = "cpu";
  o.threads = 1;
  o.progress_interval = 0;
  int with_items = 0;
  uint64_t last_nodes = 0;
  o.progress = [&](const Progress& p) {
    EXPECT_GE(p.tree_nodes, last_nodes);
    last_nodes = p.tree_nodes;
    if (p.items_done == 0) return true;
    ++with_items;
    EXPECT_GT(p.tree_nodes, 0u);
    EXPECT_GT(p.machines_covered, 0);
    EXPECT_LE(p.machines_covered, o.space.machine_count());
    return with_items < 3;  // cancel at the third report after a finished item
  };
  EXPECT_THROW(enumerate(o), Cancelled);
  EXPECT_EQ(with_items, 3);
}

// 2D has a CUDA backend now (kernels/enumerate.cu, Grid2d): `cuda` without a device is a clear error
// and `auto` falls back to the CPU; with a device, tests/test_gpu.cpp compares the two.
TEST(Tree2d, NeedsACutoffAndCudaNeedsADevice) {
  EnumerateOptions o;
  o.space = Space{2, 2, 2};
  o.backend = "cpu";
  EXPECT_THROW(enumerate(o), Error);  // no standard cutoff for 2D
  o.cutoff = 10;
  o.backend = "bogus";
  EXPECT_THROW(enumerate(o), Error);
  if (cuda_available()) return;
  o.backend = "cuda";
  EXPECT_THROW(enumerate(o), Error);
  o.backend = "auto";
  EXPECT_EQ(enumerate(o).meta.backend, "cpu");
}
