// 2D block tables (ctm blocks2d): exact counts on a table worked out by hand, per-shape normalisation,
// the grid and blank symmetries, the text round trip into BDM, and the shipped default 2D table.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ctm/bdm.hpp"
#include "ctm/blocks2d.hpp"
#include "ctm/grid_key.hpp"
#include "cli_testing.hpp"
#include "table_testing.hpp"

using namespace ctm;

namespace {

Table hand_table() {
  // Outputs and counts: 01-10 (2x2) x3, 0 (1x1) x5, 011 (1x3) x2, 0-1 (2x1) x1.
  Table t;
  t.meta.space = Space{1, 2, 2};
  t.counts = {{"01-10", 3}, {"0", 5}, {"011", 2}, {"0-1", 1}};
  return t;
}

Table tree_2d(int n, uint32_t cutoff) {
  return test_support::enumerate_table({Space{n, 2, 2}, cutoff, "cpu", 2, 0, 1, 0});
}

std::map<std::pair<int, int>, double> d_sums(const KTable& kt) {
  std::map<std::pair<int, int>, double> sum;
  for (const auto& [key, k] : kt.k) {
    const auto rows = split_grid_key(key);
    sum[{static_cast<int>(rows.size()), static_cast<int>(rows[0].size())}] += std::exp2(-k);
  }
  return sum;
}

using test_support::CliResult;
using test_support::run_cli;
std::string temp_dir() { return test_support::temp_dir("ctm-blocks2d-"); }

}  // namespace

TEST(Blocks2d, SubBlocksOfAHandTable) {
  const BlockCounts b = block_counts(hand_table(), 2, 2, BlockMode::sub);
  using M = std::map<std::string, count_t>;
  EXPECT_EQ(b.by_shape.at({1, 1}), (M{{"0", 14}, {"1", 11}}));  // 2x3+5+2+1 zeros; 2x3+4+1 ones
  EXPECT_EQ(b.by_shape.at({1, 2}), (M{{"01", 5}, {"10", 3}, {"11", 2}}));
  EXPECT_EQ(b.by_shape.at({2, 1}), (M{{"0-1", 4}, {"1-0", 3}}));
  EXPECT_EQ(b.by_shape.at({2, 2}), (M{{"01-10", 3}}));
  EXPECT_EQ(b.by_shape.size(), 4u);
  const KTable kt = block_k_table(hand_table(), 2, 2, BlockMode::sub);
  EXPECT_DOUBLE_EQ(kt.k.at("1"), std::log2(25.0 / 11.0));
  EXPECT_DOUBLE_EQ(kt.k.at("11"), std::log2(10.0 / 2.0));
  EXPECT_DOUBLE_EQ(kt.k.at("0-1"), std::log2(7.0 / 4.0));
  EXPECT_EQ(kt.k.at("01-10"), 0.0);
  EXPECT_EQ(kt.k.size(), 8u);
}

TEST(Blocks2d, WholeOutputsOfAHandTable) {
  const BlockCounts b = block_counts(hand_table(), 2, 2, BlockMode::whole);
  using M = std::map<std::string, count_t>;
  EXPECT_EQ(b.by_shape.at({1, 1}), (M{{"0", 5}}));
  EXPECT_EQ(b.by_shape.at({2, 1}), (M{{"0-1", 1}}));
  EXPECT_EQ(b.by_shape.at({2, 2}), (M{{"01-10", 3}}));
  EXPECT_EQ(b.by_shape.size(), 3u);  // 011 is 1x3, beyond --max 2x2
  EXPECT_EQ(block_counts(hand_table(), 1, 3, BlockMode::whole).by_shape.at({1, 3}), (M{{"011", 2}}));
}

TEST(Blocks2d, CountsStayExactBeyond64Bits) {
  Table t = hand_table();
  const count_t big = count_t{1} << 100;
  t.counts["01-10"] = big;
  const BlockCounts b = block_counts(t, 2, 2, BlockMode::sub);
  EXPECT_EQ(to_string(b.by_shape.at({1, 1}).at("1")), to_string(2 * big + 5));
  EXPECT_EQ(to_string(b.total(1, 1)), to_string(4 * big + 5 + 6 + 2));
}

TEST(Blocks2d, RejectsOneDimensionalTablesAndBadSizes) {
  Table t;
  t.meta.space = Space{2, 2, 1};
  t.counts = {{"01", 1}};
  EXPECT_THROW(block_counts(t, 4, 4, BlockMode::sub), Error);
  EXPECT_THROW(block_counts(hand_table(), 0, 4, BlockMode::sub), Error);
  EXPECT_THROW(parse_block_mode("parts"), Error);
}

TEST(Blocks2d, EachShapeSumsToOne) {
  const Table t = tree_2d(3, 40);
  for (BlockMode m : {BlockMode::sub, BlockMode::whole}) {
    const auto sums = d_sums(block_k_table(t, 4, 4, m));
    if (m == BlockMode::sub) EXPECT_EQ(sums.size(), 16u);
    for (const auto& [shape, s] : sums) EXPECT_NEAR(s, 1.0, 1e-12) << shape.first << "x" << shape.second << " " << to_string(m);
  }
}

TEST(Blocks2d, SymmetricSpaceGivesSymmetricBlocks) {
  // (3,2)_2D is closed under the 8 rotations/reflections and the exchange of the two symbols.
  const Table t = tree_2d(3, 40);
  for (BlockMode m : {BlockMode::sub, BlockMode::whole}) {
    const KTable kt = block_k_table(t, 4, 4, m);
    ASSERT_GT(kt.k.size(), 100u);
    for (const auto& [key, k] : kt.k) {
      std::string img = key;
      for (int turn = 0; turn < 4; ++turn) {
        img = rotate_grid_key(img);
        for (const std::string& x : {img, reflect_grid_key(img), swap_symbols(img, 0, 1)}) {
          ASSERT_TRUE(kt.k.count(x)) << key << " -> " << x;
          EXPECT_NEAR(kt.k.at(x), k, 1e-12) << key << " -> " << x;
        }
      }
    }
  }
}

TEST(Blocks2d, TextTableLoadsIntoBdmWithEveryShape) {
  const std::string dir = temp_dir();
  const Table t = tree_2d(3, 40);
  const KTable kt = block_k_table(t, 4, 4, BlockMode::sub);
  write_block_table(kt, dir + "/b.tsv.gz", "test\nsecond line");
  const KTable back = import_k_table(dir + "/b.tsv.gz");
  ASSERT_EQ(back.k.size(), kt.k.size());
  EXPECT_FALSE(back.normalized);
  for (const auto& [key, k] : kt.k) EXPECT_EQ(back.k.at(key), k) << key;
  const BdmTable bt = BdmTable::load(dir + "/b.tsv.gz", 2, true);
  EXPECT_EQ(bt.shapes().size(), 16u);  // 1x4 and 4x1 and 2x2 kept apart by the '-' in the keys
  const int s14 = bt.shape_index(1, 4), s41 = bt.shape_index(4, 1), s22 = bt.shape_index(2, 2);
  ASSERT_GE(s14, 0);
  ASSERT_GE(s41, 0);
  ASSERT_GE(s22, 0);
  EXPECT_EQ(bt.k_of(s14, bt.pack("0110")), kt.k.at("0110"));
  EXPECT_EQ(bt.k_of(s41, bt.pack("0110")), kt.k.at("0-1-1-0"));
  EXPECT_EQ(bt.k_of(s22, bt.pack("0110")), kt.k.at("01-10"));
  // The CLI writes the same table.
  const std::string tfile = dir + "/t.ctm";
  ASSERT_EQ(run_cli("enumerate -q --dims 2 -n 3 -k 2 --cutoff 40 -j 2 -o " + tfile, dir).status, 0);
  const CliResult r = run_cli("blocks2d -q --max 4x4 --mode sub -o " + dir + "/c.tsv " + tfile, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const KTable cli = import_k_table(dir + "/c.tsv");
  EXPECT_EQ(cli.k, kt.k);
  EXPECT_EQ(run_cli("blocks2d --max 4 -o " + dir + "/d.tsv " + tfile, dir).status, 2);
}

TEST(Blocks2d, BdmEngineTwoDTableIsOneNameAway) {
  // The engine's block table is `--table engine-2d`; the 2D default is pybdm's 4x4 table until an
  // exact table covers every 4x4 block (tests/test_bdm.cpp, BdmCli.TwoDDefaultIsPybdms4x4Table).
  const std::string path = BdmTable::named_path("engine-2d");
  EXPECT_EQ(std::filesystem::path(path).filename().string(), "ctm-2d-blocks-4x4.tsv.gz");
  EXPECT_EQ(std::filesystem::path(path).parent_path().filename().string(), "data");
  const BdmTable bt = BdmTable::load(path, 2, true);
  EXPECT_NE(bt.source().find("ctm-2d-blocks-4x4.tsv.gz"), std::string::npos) << bt.source();
  // BDM of an 8x8 array by hand: four 4x4 blocks (two equal), sum of K + log2(multiplicity).
  const KTable kt = import_k_table(path);
  const std::vector<std::string> rows = {"00000000", "00000000", "00000000", "00000000",
                                         "01011000", "10100100", "01010010", "10100001"};
  std::map<std::string, int> blocks;
  for (int r0 = 0; r0 < 8; r0 += 4)
    for (int c0 = 0; c0 < 8; c0 += 4) {
      std::vector<std::string> b;
      for (int i = 0; i < 4; ++i) b.push_back(rows[r0 + i].substr(c0, 4));
      ++blocks[join_grid_key(b)];
    }
  ASSERT_EQ(blocks.size(), 3u);
  double max_k = 0;  // absent blocks are imputed as the shape's max K + 1
  for (const auto& [key, k] : kt.k)
    if (key.size() == 19) max_k = std::max(max_k, k);
  double expected = 0;
  for (const auto& [key, n] : blocks)
    expected += (kt.k.count(key) ? kt.k.at(key) : max_k + 1) + std::log2(static_cast<double>(n));
  std::vector<uint8_t> cells;
  for (const auto& r : rows)
    for (char c : r) cells.push_back(static_cast<uint8_t>(c - '0'));
  BdmOptions o;
  o.block_rows = o.block_cols = 4;
  BdmScorer s(bt, o);
  EXPECT_NEAR(s.bdm(SymbolArray::grid(8, 8, cells)).bdm, expected, 1e-9);
  // The CLI names the table and gives the same value.
  const std::string dir = temp_dir();
  std::string csv;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) csv += std::string(i ? "," : "") + r[i];
    csv += "\n";
  }
  std::ofstream(dir + "/a.csv") << csv;
  const CliResult r = run_cli("bdm --block 4x4 --table engine-2d " + dir + "/a.csv", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("# table: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ctm-2d-blocks-4x4.tsv.gz"), std::string::npos) << r.out;
  std::istringstream in(r.out);
  std::string line;
  double got = std::nan("");
  while (std::getline(in, line))
    if (line.rfind(dir + "/a.csv\t", 0) == 0) got = std::stod(line.substr(dir.size() + 7));
  EXPECT_NEAR(got, expected, 1e-9) << r.out;
}
