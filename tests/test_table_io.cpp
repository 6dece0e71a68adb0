// Table files: round trips, corruption and truncation detected, atomic writes, text export, import
// of published K tables, merge rules.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ctm/enumerate.hpp"
#include "ctm/table_io.hpp"

using namespace ctm;
namespace fs = std::filesystem;

namespace {

Table small_table() {
  EnumerateOptions o;
  o.space = Space{3, 2, 1};
  o.backend = "cpu";
  return enumerate(o);
}

std::string temp_path(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("ctm-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

}  // namespace

TEST(TableFile, RoundTripKeepsEverything) {
  const Table t = small_table();
  const std::string path = temp_path("d32.ctm");
  write_table(t, path);
  const Table r = read_table(path);
  EXPECT_EQ(r.counts, t.counts);
  EXPECT_EQ(r.halt_time, t.halt_time);
  EXPECT_EQ(to_string(r.machines), to_string(t.machines));
  EXPECT_EQ(to_string(r.halting), "4294368");
  EXPECT_EQ(to_string(r.nonhalting_proved), to_string(t.nonhalting_proved));
  EXPECT_EQ(to_string(r.nonhalting_cutoff), to_string(t.nonhalting_cutoff));
  EXPECT_EQ(r.meta.cutoff, 21u);
  EXPECT_EQ(r.meta.space.states, 3);
  EXPECT_EQ(r.meta.backend, "cpu");
  EXPECT_EQ(r.meta.tree_nodes, t.meta.tree_nodes);
  // No temporary file is left beside it.
  int files = 0;
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    if (e.path().filename().string().rfind("d32.ctm", 0) == 0) ++files;
  EXPECT_EQ(files, 1);
}

TEST(TableFile, HugeCountsSurvive) {
  Table t = small_table();
  const count_t big = parse_count("480000000000000000000000");  // beyond 2^64
  t.counts["0101"] += big;
  t.halting += big;
  t.halt_time[5] += big;
  t.machines += big / 2;
  t.meta.shard_count = 2;  // a part of a larger run: the whole-space machine count does not apply
  const std::string path = temp_path("big.ctm");
  write_table(t, path);
  EXPECT_EQ(to_string(read_table(path).count("0101")), to_string(t.count("0101")));
}

TEST(TableFile, EveryFlippedByteIsDetected) {
  const std::string path = temp_path("flip.ctm");
  write_table(small_table(), path);
  const std::string good = slurp(path);
  const std::string bad_path = temp_path("flip-bad.ctm");
  for (size_t i = 0; i < good.size(); i += std::max<size_t>(1, good.size() / 97)) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    spit(bad_path, bad);
    EXPECT_THROW(read_table(bad_path), Error) << "byte " << i;
  }
}

TEST(TableFile, TruncationIsDetected) {
  const std::string path = temp_path("trunc.ctm");
  write_table(small_table(), path);
  const std::string good = slurp(path);
  for (size_t len : {size_t(0), size_t(5), size_t(12), good.size() / 2, good.size() - 1}) {
    spit(path, good.substr(0, len));
    try {
      read_table(path);
      ADD_FAILURE() << "truncated to " << len << " bytes was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

TEST(TableFile, MissingFileAndWrongMagic) {
  EXPECT_THROW(read_table(temp_path("does-not-exist.ctm")), Error);
  const std::string path = temp_path("text.ctm");
  spit(path, "0\t2.5\n1\t2.5\n");
  EXPECT_FALSE(is_table_file(path));
  EXPECT_THROW(read_table(path), Error);
}

TEST(TableFile, UnwritablePathIsAnError) {
  EXPECT_THROW(write_table(small_table(), "/nonexistent-folder/x.ctm"), Error);
}

TEST(Export, RowsAreStringCountK) {
  const Table t = small_table();
  std::ostringstream out;
  export_table(t, out, ',');
  std::istringstream in(out.str());
  std::string line;
  size_t rows = 0, comments = 0;
  while (std::getline(in, line)) {
    if (line[0] == '#') { ++comments; continue; }
    ++rows;
    if (rows == 1) EXPECT_EQ(line.substr(0, line.rfind(',')), "0,1075648");
  }
  EXPECT_EQ(rows, 128u);
  EXPECT_GE(comments, 2u);
}

TEST(Import, PublishedPybdmTable) {
  const KTable k = import_k_table(std::string(CTM_SHARED_DIR) + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv");
  EXPECT_EQ(k.k.size(), 8190u);
  EXPECT_FALSE(k.normalized);
  EXPECT_DOUBLE_EQ(k.lookup("0"), 2.5142767361233522);
  EXPECT_DOUBLE_EQ(k.lookup("000110100111"), 37.479236302416716);
  EXPECT_TRUE(std::isnan(k.lookup("0000000000000")));  // length 13: not in the table
}

TEST(Import, OaccSquaresAndBadRows) {
  const KTable k = import_k_table(std::string(CTM_SHARED_DIR) + "/anchors-data/oacc__K-3x3.csv");
  EXPECT_EQ(k.k.size(), 512u);
  const std::string bad = temp_path("bad.csv");
  spit(bad, "0,2.5\n01;3\n");
  try {
    import_k_table(bad);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

TEST(Import, NormalisedKeysAreLookedUpByCanonicalForm) {
  const std::string path = temp_path("norm.tsv");
  spit(path, "0\t2\n01\t3\n0120\t9\n");
  const KTable k = import_k_table(path);
  EXPECT_TRUE(k.normalized);
  EXPECT_EQ(k.lookup("2302"), 9);
  EXPECT_EQ(k.lookup("10"), 3);
  EXPECT_EQ(normalize_key("1101"), "0010");
  EXPECT_EQ(normalize_key("2302"), "0120");
}

TEST(Merge, RefusesDifferentSpacesOrCutoffs) {
  Table a = small_table();
  Table b = a;
  b.meta.cutoff = 22;
  EXPECT_THROW(a.merge(b), Error);
  b = a;
  b.meta.space.states = 4;
  EXPECT_THROW(a.merge(b), Error);
  b = a;
  EXPECT_THROW(a.merge(b), Error);  // the same (whole) table twice would double every count
  EXPECT_EQ(to_string(a.halting), "4294368");
}

TEST(Merge, ShardsOfOneSplitAddUpOnceEach) {
  auto shard = [](uint32_t i, uint32_t m) {
    EnumerateOptions o;
    o.space = Space{3, 2, 1};
    o.shard_index = i;
    o.shard_count = m;
    return enumerate(o);
  };
  Table t = shard(0, 3);
  EXPECT_FALSE(t.complete());
  EXPECT_THROW(t.merge(shard(0, 3)), Error);  // shard 0 twice
  EXPECT_THROW(t.merge(shard(1, 2)), Error);  // another split
  t.merge(shard(2, 3));
  EXPECT_FALSE(t.complete());
  EXPECT_EQ(t.meta.shards_covered, (std::vector<uint32_t>{0, 2}));
  EXPECT_THROW(t.merge(shard(2, 3)), Error);  // shard 2 again
  // A partial table keeps its coverage through a file.
  const std::string path = temp_path("partial.ctm");
  write_table(t, path);
  Table back = read_table(path);
  EXPECT_EQ(back.meta.shards_covered, (std::vector<uint32_t>{0, 2}));
  back.merge(shard(1, 3));
  EXPECT_TRUE(back.complete());
  EXPECT_EQ(to_string(back.halting), "4294368");
  EXPECT_EQ(to_string(back.machines), "7529536");
  EXPECT_NO_THROW(back.check_consistency());
}
