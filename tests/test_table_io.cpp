// Table files: round trips, corruption and truncation detected, metadata validated, safe output
// paths (links, devices, FIFOs), text export, import of published K tables, merge rules.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_testing.hpp"
#include "ctm/enumerate.hpp"
#include "ctm/output_file.hpp"
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
  return (fs::path(ctm::test_support::temp_dir("ctm-test-")) / name).string();
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
  export_table(t, out, '\t');
  std::istringstream in(out.str());
  std::string line;
  size_t rows = 0, comments = 0;
  while (std::getline(in, line)) {
    if (line[0] == '#') { ++comments; continue; }
    ++rows;
    if (rows == 1) EXPECT_EQ(line.substr(0, line.rfind('\t')), "0\t1075648");
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

// ---- Safe output paths (issue 14 bug 1): links are written through, devices and FIFOs in place.

namespace {

// A device node beside the test's files: as root a private copy of /dev/null (1,3) or /dev/full
// (1,7), so a regression that renames over it cannot destroy the machine's own; otherwise the real
// node, which a non-root rename cannot replace.
std::string device_node(const std::string& name, unsigned minor) {
  const std::string path = temp_path(name);
  fs::remove(path);
  if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(1, minor)) == 0) return path;
  return minor == 3 ? "/dev/null" : "/dev/full";
}

bool is_char_device(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

}  // namespace

TEST(OutputFile, SymlinkIsWrittenThroughToItsTarget) {
  const Table t = small_table();
  const std::string target = temp_path("link-target.ctm"), link = temp_path("link.ctm");
  spit(target, "old");
  fs::remove(link);
  fs::create_symlink("link-target.ctm", link);  // relative: resolved against the link's folder
  write_table(t, link);
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(read_table(target).counts, t.counts);
  // A dangling link creates its target.
  const std::string dangling = temp_path("dangling.ctm"), made = temp_path("made-by-link.ctm");
  fs::remove(dangling);
  fs::remove(made);
  fs::create_symlink(made, dangling);
  write_table(t, dangling);
  EXPECT_TRUE(fs::is_symlink(dangling));
  EXPECT_EQ(read_table(made).counts, t.counts);
}

TEST(OutputFile, RegularFileIsReplacedAndKeepsItsMode) {
  const std::string path = temp_path("mode.txt");
  spit(path, "old content");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  write_output_file(path, "new");
  EXPECT_EQ(slurp(path), "new");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST(OutputFile, FifoIsWrittenInPlace) {
  const std::string fifo = temp_path("out.fifo");
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // The read end opened first (non-blocking) lets the writer open without a thread, and a writer
  // that renamed over the FIFO instead leaves it empty rather than hanging the test.
  const int rfd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(rfd, 0);
  write_output_file(fifo, "0101\t3.5\n");
  std::string got(64, '\0');
  const ssize_t n = ::read(rfd, got.data(), got.size());
  got.resize(n > 0 ? static_cast<size_t>(n) : 0);
  ::close(rfd);
  EXPECT_EQ(got, "0101\t3.5\n");
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST(OutputFile, DevicesAreWrittenNotReplaced) {
  const std::string null = device_node("null-dev", 3), full = device_node("full-dev", 7);
  write_table(small_table(), null);
  EXPECT_TRUE(is_char_device(null));
  try {
    write_table(small_table(), full);
    ADD_FAILURE() << "writing " << full << " succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(full), std::string::npos) << e.what();
  }
  EXPECT_TRUE(is_char_device(full));
  EXPECT_THROW(write_output_file(fs::path(null).parent_path().string(), "x"), Error);  // a folder
}

TEST(OutputFile, GzipBytesRoundTripThroughTheKTableReader) {
  const std::string path = temp_path("k.tsv.gz");
  write_output_file(path, gzip_bytes("# a comment\n0\t2.5\n01\t3.25\n"));
  const KTable k = import_k_table(path);
  EXPECT_EQ(k.lookup("01"), 3.25);
  EXPECT_EQ(k.k.size(), 2u);
}

// ---- Metadata is validated, not only the checksum (issue 14 bug 13).

namespace {

// The file with its JSON metadata edited (`from` -> `to`) and the lengths and CRC recomputed, as a
// careless tool or a hand edit would leave it.
std::string edit_meta(const std::string& file, const std::string& from, const std::string& to) {
  const auto u32 = [&](size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(file[at + i])) << (8 * i);
    return v;
  };
  const uint32_t json_len = u32(12);
  std::string json = file.substr(16, json_len);
  const size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  json.replace(at, from.size(), to);
  std::string out = file.substr(0, 12);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(json.size() >> (8 * i)));
  out += json;
  out += file.substr(16 + json_len, file.size() - 4 - 16 - json_len);
  const uint32_t crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

}  // namespace

TEST(TableFile, BadMetadataWithAValidChecksumIsRejected) {
  const std::string path = temp_path("meta.ctm");
  write_table(small_table(), path);  // (3,2), cutoff 21, 128 outputs
  const std::string good = slurp(path);
  spit(path, edit_meta(good, "\"backend\": \"cpu\"", "\"backend\": \"cpu2\""));
  EXPECT_EQ(read_table(path).meta.backend, "cpu2");  // the editor itself works: a harmless edit reads
  const std::pair<const char*, const char*> edits[] = {
      {"\"dims\": 1", "\"dims\": 3"},
      {"\"dims\": 1", "\"dims\": 0"},
      {"\"cutoff\": 21", "\"cutoff\": 4000000000"},
      {"\"cutoff\": 21", "\"cutoff\": 8000000000"},  // would wrap to a small uint32
      {"\"cutoff\": 21", "\"cutoff\": 0"},
      {"\"cutoff\": 21", "\"cutoff\": 20"},           // the halting-time histogram has 22 bins
      {"\"states\": 3", "\"states\": 0"},
      {"\"states\": 3", "\"states\": -3"},
      {"\"symbols\": 2", "\"symbols\": 17"},
      {"\"symbols\": 2", "\"symbols\": 1"},
      {"\"distinct_outputs\": 128", "\"distinct_outputs\": 127"},
      {"\"index\": 0", "\"index\": 5"},
      {"\"count\": 1", "\"count\": 0"},
  };
  for (const auto& [from, to] : edits) {
    spit(path, edit_meta(good, from, to));
    try {
      read_table(path);
      ADD_FAILURE() << to << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

TEST(TableFile, KeysOutsideTheAlphabetAreRejected) {
  Table t = small_table();
  const count_t c = t.counts.at("0");
  t.counts.erase("0");
  t.counts["2"] = c;  // symbol 2 in a 2-symbol table, counts still consistent
  const std::string path = temp_path("badkey.ctm");
  write_table(t, path);
  EXPECT_THROW(read_table(path), Error);
}

// ---- CSV export that pandas reads plainly (issue 15 point 7).

TEST(Export, CsvHasAHeaderLineAndQuotedStrings) {
  const Table t = small_table();
  std::ostringstream out;
  export_table(t, out, ',');
  std::istringstream in(out.str());
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "string,count,K");
  std::getline(in, line);
  EXPECT_EQ(line.substr(0, line.rfind(',')), "\"0\",1075648");
  EXPECT_EQ(out.str().find('#'), std::string::npos);
  // The K table reader takes K from the named column, from CSV and from the commented TSV header.
  for (char sep : {',', '\t'}) {
    std::ostringstream text;
    export_table(t, text, sep);
    const std::string path = temp_path(sep == ',' ? "export.csv" : "export.tsv");
    spit(path, text.str());
    const KTable k = import_k_table(path);
    EXPECT_EQ(k.k.size(), t.counts.size());
    EXPECT_EQ(k.lookup("0011"), t.complexity("0011")) << sep;
  }
}

namespace {

// Every string of length l over k symbols, by counting in base k (an enumeration of its own).
std::vector<std::string> all_strings(int k, int l) {
  std::vector<std::string> out;
  std::string s(static_cast<size_t>(l), '0');
  for (;;) {
    out.push_back(s);
    int i = l - 1;
    while (i >= 0 && s[i] == symbol_char(k - 1)) s[i--] = '0';
    if (i < 0) return out;
    s[i] = symbol_char(symbol_value(s[i]) + 1);
  }
}

}  // namespace

// complete_length() against a check of every string: all strings up to L occur, one of length L+1
// does not. D(5,2) covers length 11, and misses exactly the two length-12 strings whose K pybdm
// stores from elsewhere (data/pybdm-b2-d12-absent.csv).
TEST(CompleteLength, ShippedTablesAgreeWithEveryString) {
  for (const char* name : {"d2-2", "d3-2", "d4-2", "d5-2", "d2-3", "d3-3", "d2-4"}) {
    SCOPED_TRACE(name);
    const Table t = read_table(std::string(CTM_SOURCE_DIR) + "/data/" + name + ".ctm");
    const int k = t.meta.space.symbols, L = complete_length(t);
    ASSERT_GE(L, 1);
    for (int l = 1; l <= L + 1; ++l) {
      size_t absent = 0;
      for (const std::string& s : all_strings(k, l)) absent += t.count(s) == 0;
      if (l <= L) EXPECT_EQ(absent, 0u) << "length " << l;
      else EXPECT_GT(absent, 0u) << "length " << l;
    }
  }
  const Table d52 = read_table(std::string(CTM_SOURCE_DIR) + "/data/d5-2.ctm");
  EXPECT_EQ(complete_length(d52), 11);
  std::vector<std::string> missing;
  for (const std::string& s : all_strings(2, 12))
    if (d52.count(s) == 0) missing.push_back(s);
  EXPECT_EQ(missing, (std::vector<std::string>{"000110100111", "111001011000"}));
}

TEST(Export, MaxLengthKeepsTheShortStrings) {
  const Table t = small_table();
  size_t short_keys = 0;
  for (const auto& [s, c] : t.counts) short_keys += s.size() <= 3;
  for (char sep : {'\t', ','}) {
    std::ostringstream out;
    export_table(t, out, sep, 3);
    std::istringstream in(out.str());
    std::string line;
    size_t rows = 0;
    while (std::getline(in, line))
      if (line[0] != '#' && line.rfind("string", 0) != 0) ++rows;
    EXPECT_EQ(rows, short_keys) << sep;
    if (sep == '\t') EXPECT_NE(out.str().find("# every string of length <= "), std::string::npos);
  }
  Table grid = t;
  grid.meta.space.dims = 2;
  std::ostringstream out;
  EXPECT_THROW(export_table(grid, out, '\t', 3), Error);
}
