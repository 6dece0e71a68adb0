// The parsers that the fuzzers of tests/fuzz/ exercise (BDM input readers, table and K-table files,
// collapse configs): exact values of well-formed inputs, and the malformed inputs the fuzzers found,
// each kept here as a regression test (docs/testing.md).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "cli/bdm_inputs.hpp"
#include "cli_testing.hpp"
#include "ctm/collapse.hpp"
#include "ctm/table_io.hpp"
#include "ctm/types.hpp"

namespace {

// Writes `bytes` to a file named `name` in a fresh folder and reads it as one BDM input.
std::vector<ctm::cli::BdmInput> read_as(const std::string& name, const std::string& bytes, bool two_d) {
  const std::string dir = ctm::test_support::temp_dir("ctm-parsers");
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return ctm::cli::read_bdm_inputs({path}, two_d, -1);
}

uint32_t crc32_of(const std::string& s) {  // CRC-32 (zlib's), bit by bit
  uint32_t c = 0xffffffffu;
  for (const unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

TEST(Parsers, WellFormedImagesAndArraysGiveTheirCells) {
  const auto p4 = read_as("a.pbm", std::string("P4\n8 2\n\xa5\x5a", 9), true);
  ASSERT_EQ(p4.size(), 1u);
  ASSERT_EQ(p4[0].error, "");
  EXPECT_EQ(p4[0].array.rows, 2);
  EXPECT_EQ(p4[0].array.cols, 8);
  EXPECT_EQ(p4[0].array.cells, (std::vector<uint8_t>{1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0}));
  const std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }          \n";
  const auto npy = read_as("a.npy", std::string("\x93NUMPY\x01\x00\x46\x00", 10) + header + std::string("\x00\x01\x01\x01\x00\x02", 6), true);
  ASSERT_EQ(npy.size(), 1u);
  ASSERT_EQ(npy[0].error, "");
  EXPECT_EQ(npy[0].array.rows, 2);
  EXPECT_EQ(npy[0].array.cells, (std::vector<uint8_t>{0, 1, 1, 1, 0, 2}));
}

// Fuzzer finding: a table header without a key made toml++ 3.3 assert (abort; undefined behaviour
// under clang with NDEBUG). It is now one clear error.
TEST(Parsers, TomlHeaderWithoutAKeyIsAnError) {
  if (!ctm::collapse::toml_supported()) GTEST_SKIP() << "built without toml++";
  EXPECT_THROW(ctm::collapse::config_from_toml("[= 4\nseed "), ctm::Error);
  EXPECT_THROW(ctm::collapse::config_from_toml("[]\n"), ctm::Error);
}

// Fuzzer finding: U+040B after '[' sent toml++ 3.3 into __builtin_unreachable() (undefined
// behaviour, reported by UBSan). Non-ASCII TOML is refused with the line; \u escapes still work.
TEST(Parsers, NonAsciiTomlIsRefusedBeforeTheParser) {
  if (!ctm::collapse::toml_supported()) GTEST_SKIP() << "built without toml++";
  try {
    ctm::collapse::config_from_toml(std::string(")[\xd0\x8b`q\0\0\r\0", 10));
    FAIL() << "accepted";
  } catch (const ctm::Error& e) {
    EXPECT_STREQ(e.what(), "config: line 1: a TOML config must be ASCII (write \\uXXXX in strings)");
  }
  EXPECT_EQ(ctm::collapse::config_from_toml("label = \"caf\\u00e9\"\n").label, "caf\xc3\xa9");
}

// A forged zstd frame header claiming 1 GiB in a 16-byte payload made decode_table allocate and
// zero the claimed size before finding that nothing decompresses (up to 64 GiB from a tiny file). A
// zstd block (3-byte header, at least 1 byte) yields at most 128 KiB, so a claim over 32768 times the
// payload is refused before any allocation.
TEST(Parsers, ForgedPayloadSizeIsRefusedBeforeAllocating) {
  const std::string good = ctm::encode_table(ctm::read_table(std::string(CTM_SOURCE_DIR) + "/data/d1-2.ctm"));
  uint32_t json_len = 0;
  for (int i = 0; i < 4; ++i) json_len |= static_cast<uint32_t>(static_cast<unsigned char>(good[12 + i])) << (8 * i);
  std::string file = good.substr(0, 16 + json_len);
  // Frame: magic, descriptor (8-byte content size, single segment), size 2^30, one empty last raw block.
  std::string frame("\x28\xb5\x2f\xfd\xe0", 5);
  for (int i = 0; i < 8; ++i) frame.push_back(static_cast<char>((uint64_t{1} << 30) >> (8 * i)));
  frame += std::string("\x01\x00\x00", 3);
  for (int i = 0; i < 8; ++i) file.push_back(static_cast<char>(static_cast<uint64_t>(frame.size()) >> (8 * i)));
  file += frame;
  const uint32_t crc = crc32_of(file);
  for (int i = 0; i < 4; ++i) file.push_back(static_cast<char>(crc >> (8 * i)));
  const long before = max_rss_kib();
  try {
    ctm::decode_table(file, "forged");
    FAIL() << "accepted";
  } catch (const ctm::Error& e) {
    EXPECT_STREQ(e.what(), "forged: bad compressed payload");
  }
  EXPECT_LT(max_rss_kib() - before, 256 * 1024) << "the claimed size was allocated";
}
