// `ctm bdm`, `ctm perturb` and `ctm acss` as a user runs them: batches with bad inputs (one line
// each, the rest scored), forged image/array sizes, binary files, option checks, pybdm's values
// through the default tables, lenient text input, the acss functions.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bdm_testing.hpp"
#include "cli_testing.hpp"
#include "ctm/bdm.hpp"

using namespace ctm;
using namespace ctm::test_support;

namespace {

const std::string kShared = CTM_SHARED_DIR;
const std::string kSource = CTM_SOURCE_DIR;

size_t lines_of(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace


namespace {

using test_support::CliResult;
using test_support::run_cli;

std::string cli_dir() { return test_support::temp_dir("ctm-bdm-cli-"); }

// Value column of the data row whose first field is `name`.
double value_of(const std::string& out, const std::string& name) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + "\t", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return std::nan("");
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST(BdmCli, BatchScoresGoodInputsAndReportsBadOnesOnce) {
  const std::string dir = cli_dir();
  write_file(dir + "/in.txt", std::string(24, '0') + "\n0120\n\n" + rep("01", 18) + "\n0011x\n");
  const CliResult r = run_cli("bdm --table " + kShared + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv " + dir + "/in.txt " +
                                  dir + "/missing.txt",
                              dir);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NEAR(value_of(r.out, dir + "/in.txt:1"), 26.610413747641715, 1e-9) << r.out;
  EXPECT_NEAR(value_of(r.out, dir + "/in.txt:4"), 28.575689149882567, 1e-9) << r.out;
  EXPECT_NE(r.out.find("# table: " + kShared + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv"), std::string::npos) << r.out;
  // One line per bad input, naming it and the position.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 4) << r.err;
  EXPECT_NE(r.err.find("in.txt:2: symbol 2 at position 3 is outside the alphabet 0..1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in.txt:3: empty input"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in.txt:5: character 'x' at position 5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing.txt: cannot open"), std::string::npos) << r.err;
  // Bad options: one line, status 2.
  const CliResult bad = run_cli("bdm --block 4y4 " + dir + "/in.txt", dir);
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

TEST(BdmCli, NineSymbolsUsePybdmsD49ByDefault) {
  const std::string dir = cli_dir();
  write_file(dir + "/s.txt", "52081007021101030100500060310300007361008000006085\n");
  const CliResult r = run_cli("bdm --symbols 9 " + dir + "/s.txt", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NEAR(value_of(r.out, dir + "/s.txt:1"), 182.6893889754456, 1e-9) << r.out;  // pybdm 0.1.0, as above
  EXPECT_NE(r.out.find("pybdm-ctm-b9-d12.tsv.gz"), std::string::npos) << r.out;
}

TEST(BdmCli, ArraysFromCsvNpyAndImagesAgree) {
  const std::string dir = cli_dir();
  // The same 12x12 array of ones as CSV, .npy (int64 and uint8), PBM (P1, P4) and PGM (P2, P5).
  std::string csv;
  for (int r = 0; r < 12; ++r) csv += "1,1,1,1,1,1,1,1,1,1,1,1\n";
  write_file(dir + "/ones.csv", csv);
  auto npy = [&](const std::string& descr, int width) {
    std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (12, 12), }";
    while ((10 + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::string b = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size()) + '\0' + h;
    for (int i = 0; i < 144; ++i) { b += '\x01'; b += std::string(width - 1, '\0'); }
    return b;
  };
  write_file(dir + "/ones64.npy", npy("<i8", 8));
  write_file(dir + "/ones8.npy", npy("|u1", 1));
  std::string p1 = "P1\n# comment\n12 12\n";
  for (int i = 0; i < 144; ++i) p1 += "1 ";
  write_file(dir + "/ones.pbm", p1);
  std::string p4 = "P4\n12 12\n";
  for (int r = 0; r < 12; ++r) p4 += std::string("\xff\xf0", 2);
  write_file(dir + "/ones4.pbm", p4);
  std::string p2 = "P2\n12 12\n1\n";
  for (int i = 0; i < 144; ++i) p2 += "1\n";
  write_file(dir + "/ones.pgm", p2);
  write_file(dir + "/ones5.pgm", "P5\n12 12\n1\n" + std::string(144, '\x01'));
  write_file(dir + "/ragged.csv", "1,0,1\n1,0\n");
  // The published value needs the published table (OACC K-4x4), named explicitly: the 2D default is
  // the engine's own block table (tests/test_blocks2d.cpp).
  const CliResult r = run_cli("bdm --block 4x4 --table " + kShared + "/anchors-data/oacc__K-4x4.csv " + dir + "/ones.csv " + dir + "/ones64.npy " + dir + "/ones8.npy " + dir +
                                  "/ones.pbm " + dir + "/ones4.pbm " + dir + "/ones.pgm " + dir + "/ones5.pgm " + dir + "/ragged.csv",
                              dir);
  EXPECT_EQ(r.status, 1);
  for (const char* f : {"/ones.csv", "/ones64.npy", "/ones8.npy", "/ones.pbm", "/ones4.pbm", "/ones.pgm", "/ones5.pgm"})
    EXPECT_NEAR(value_of(r.out, dir + f), 25.176631293734488, 1e-9) << f << "\n" << r.out << r.err;
  EXPECT_NE(r.err.find("ragged.csv: line 2: ragged array"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(BdmCli, PerturbWritesTsvAndNpy) {
  const std::string dir = cli_dir();
  const std::string s = "010011010111000101101110";
  write_file(dir + "/s.txt", s + "\n");
  const CliResult r = run_cli("perturb " + dir + "/s.txt", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::vector<double> d = perturbation_deltas(d52(), opts_1d(12), seq(s));
  std::istringstream in(r.out);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("position", 0) == 0) continue;
    int pos, from, to;
    double delta;
    ASSERT_EQ(std::sscanf(line.c_str(), "%d\t%d\t%d\t%lf", &pos, &from, &to, &delta), 4) << line;
    EXPECT_EQ(from, s[pos - 1] - '0');
    EXPECT_NEAR(delta, d[(pos - 1) * 2 + to], 1e-12);
    ++rows;
  }
  EXPECT_EQ(rows, 24);
  const CliResult n = run_cli("perturb --out " + dir + "/p.npy " + dir + "/s.txt", dir);
  ASSERT_EQ(n.status, 0) << n.err;
  std::ifstream f(dir + "/p.npy", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  ASSERT_EQ(bytes.size() % 64, (24 * 8) % 64);
  EXPECT_NE(bytes.find("'shape': (24,)"), std::string::npos);
  double last;
  std::memcpy(&last, bytes.data() + bytes.size() - 8, 8);
  EXPECT_EQ(last, d[23 * 2 + (1 - (s[23] - '0'))]);
}

namespace {

// run_cli under a 4 GB address-space limit, so a reader that trusts a forged size fails here
// quickly (std::bad_alloc) instead of taking the machine's memory.
CliResult run_cli_limited(const std::string& args, const std::string& dir) {
  return ctm::test_support::run_shell("ulimit -v 4000000; ", args, dir);
}

std::string npy_header(const std::string& descr, const std::string& shape) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size()) + '\0' + h;
}

}  // namespace

// Issue 14 bug 3: a forged size is one error line, checked before allocating; the batch goes on.
TEST(BdmCli, ForgedImageAndArraySizesAreRejectedBeforeAllocating) {
  const std::string dir = cli_dir();
  write_file(dir + "/big.pgm", "P5\n100000 100000\n255\n");
  write_file(dir + "/big.pbm", "P4\n100000 100000\n" + std::string(100, '\0'));
  write_file(dir + "/big.npy", npy_header("|u1", "(100000, 100000)"));
  write_file(dir + "/huge.npy", npy_header("<i8", "(4611686018427387904, 4)"));
  write_file(dir + "/ones.csv", rep("1,1,1,1\n", 4));
  const CliResult r = run_cli_limited("bdm --block 4x4 " + dir + "/big.pgm " + dir + "/big.pbm " + dir + "/big.npy " + dir +
                                          "/huge.npy " + dir + "/ones.csv",
                                      dir);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(lines_of(r.err), 4u) << r.err;
  EXPECT_NE(r.err.find("big.pgm: declares 100000x100000 pixels, more than the file's 0 bytes"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("big.pbm: declares 100000x100000 pixels"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("big.npy: shape 100000x100000 of |u1 needs more data than the file's 0 bytes"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("huge.npy: shape"), std::string::npos) << r.err;
  // The good input is still scored, with pybdm's value for a 4x4 block of ones (pybdm 4x4 table).
  EXPECT_NEAR(value_of(r.out, dir + "/ones.csv"), 22.006706292292176, 1e-9) << r.out << r.err;
}

// Issue 14 bug 7: a binary file is one error line naming the byte (escaped) and where it is.
TEST(BdmCli, BinaryFileIsOneEscapedErrorLine) {
  const std::string dir = cli_dir();
  std::string elf = std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10);
  for (int i = 0; i < 500; ++i) elf += "\xe8\x01\x02\n\x90\x1b[31m";
  write_file(dir + "/ls", elf);
  write_file(dir + "/s.txt", "010101\n0011\xc3\xa9\n");
  const CliResult r = run_cli("bdm --block 4 " + dir + "/ls " + dir + "/s.txt", dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines_of(r.err), 2u) << r.err;
  EXPECT_NE(r.err.find("/ls: not a text file: byte \\x7f at line 1, position 1 (expected symbols"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("s.txt:2: character '\\xc3' at position 5 is not a symbol"), std::string::npos) << r.err;
  for (unsigned char c : r.err) EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << static_cast<int>(c);
  EXPECT_FALSE(std::isnan(value_of(r.out, dir + "/s.txt:1"))) << r.out;
}

// Issue 14 bug 9: shorter than the block: pybdm raises for ignore/correlated ("Computed BDM is 0"),
// recursive scores the smaller block; never a NaN row.
TEST(BdmCli, InputShorterThanTheBlock) {
  const std::string dir = cli_dir();
  write_file(dir + "/s.txt", "00000\n");
  for (const char* flags : {"", "--normalized", "--entropy", "--partition correlated"}) {
    const CliResult r = run_cli(std::string("bdm ") + flags + " " + dir + "/s.txt", dir);
    EXPECT_EQ(r.status, 1) << flags;
    EXPECT_EQ(lines_of(r.err), 1u) << flags << r.err;
    EXPECT_EQ(r.out.find("nan"), std::string::npos) << flags << r.out;
    EXPECT_TRUE(std::isnan(value_of(r.out, dir + "/s.txt:1"))) << flags << r.out;
  }
  const CliResult r = run_cli("bdm " + dir + "/s.txt", dir);
  EXPECT_NE(r.err.find("s.txt:1: no blocks: the input (length 5) is smaller than the block (12)"), std::string::npos) << r.err;
  const CliResult rec = run_cli("bdm --partition recursive " + dir + "/s.txt", dir);
  ASSERT_EQ(rec.status, 0) << rec.err;
  EXPECT_NEAR(value_of(rec.out, dir + "/s.txt:1"), 10.712578829976554, 1e-9) << rec.out;  // pybdm 0.1.0
}

// Issue 14 bugs 10 and 11: --entropy counts its blocks; a zero step is refused, not echoed.
TEST(BdmCli, EntropyCountsBlocksAndZeroStepsAreRefused) {
  const std::string dir = cli_dir();
  write_file(dir + "/s.txt", rep("01", 12) + "\n");
  const CliResult e = run_cli("bdm --entropy " + dir + "/s.txt", dir);
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_NE(e.out.find(dir + "/s.txt:1\t0\t2\t0\n"), std::string::npos) << e.out;
  const CliResult c = run_cli("bdm --entropy --partition correlated " + dir + "/s.txt", dir);
  EXPECT_NE(c.out.find("shift 1,"), std::string::npos) << c.out;
  // 13 windows: 7 of 010101010101, 6 of 101010101010.
  const double h = -(7.0 / 13) * std::log2(7.0 / 13) - (6.0 / 13) * std::log2(6.0 / 13);
  EXPECT_NEAR(value_of(c.out, dir + "/s.txt:1"), h, 1e-15) << c.out;
  EXPECT_NE(c.out.find("\t13\t0\n"), std::string::npos) << c.out;
  for (const char* bad : {"--partition correlated --shift 0", "--partition periodic --shift -2", "--partition acss --delta 0"}) {
    const CliResult r = run_cli(std::string("bdm ") + bad + " " + dir + "/s.txt", dir);
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_EQ(lines_of(r.err), 1u) << bad << r.err;
    EXPECT_NE(r.err.find("must be >= 1"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("shift 0"), std::string::npos) << r.out;
  }
}

// Issue 14 bug 6: a table of the wrong dimension or alphabet is refused with one line.
TEST(BdmCli, TableOfTheWrongDimensionOrAlphabetIsRefused) {
  const std::string dir = cli_dir();
  write_file(dir + "/a.csv", rep("1,0,1,0\n", 4));
  write_file(dir + "/s.txt", "010101010101\n");
  const std::string data = kSource + "/data/";
  const std::pair<std::string, std::string> cases[] = {
      {"bdm --block 4x4 --table " + data + "d5-2.ctm " + dir + "/a.csv", "is a 1D table; 2D blocks need a 2D table"},
      {"bdm --block 4x4 --table " + kShared + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv " + dir + "/a.csv", "is a 1D table"},
      {"bdm --table " + data + "pybdm-ctm-b2-d4x4.tsv.gz " + dir + "/s.txt", "is a 2D table"},
      {"bdm --table engine-2d " + dir + "/s.txt", "is a 2D table"},
      {"bdm -k 4 --table " + data + "d5-2.ctm " + dir + "/s.txt", "is over 2 symbols, not 4"},
      {"bdm -k 2 --table " + data + "pybdm-ctm-b4-d12.tsv.gz " + dir + "/s.txt", "is over 4 symbols, not 2"},
  };
  for (const auto& [args, message] : cases) {
    const CliResult r = run_cli(args, dir);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out;
    EXPECT_EQ(lines_of(r.err), 1u) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << args << "\n" << r.err;
  }
}

// Issue 14 bug 4 at the CLI: the string scores NBDM 1 (pybdm: 1.0), not 1.087.
TEST(BdmCli, NormalizedBdmOfTheMissingStringIsOne) {
  const std::string dir = cli_dir();
  write_file(dir + "/s.txt", "000110100111\n");
  const CliResult r = run_cli("bdm --normalized " + dir + "/s.txt", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_DOUBLE_EQ(value_of(r.out, dir + "/s.txt:1"), 1.0) << r.out;
}

// Issue 14 bug 4: the default 1D table is D(5,2) completed with pybdm's K for the two strings it
// lacks (data/pybdm-b2-d12-absent.csv), so BDM and NBDM equal pybdm 0.1.0's
// (BDM(ndim=1).bdm / .nbdm on these strings, drawn with numpy RandomState(11).randint(0, 2, n)).
TEST(BdmCli, DefaultOneDimensionalNbdmEqualsPybdms) {
  const std::string dir = cli_dir();
  const std::string r600 =
      "1111000101100111100111100101110000000001111011100011001100110011101110011100110011110011101011000001"
      "0000100011111101101110011101100110010100110001110100011001111100011101010101101101011110000011101010"
      "0111010101110011001111000101011110100000111001011011110011100010011011100110101011100110010001001100"
      "1010000001000101110000010011001010010100100100011110001101110010101011110010101101101110110011001110"
      "1010000001011010001111011000111100110110000011101001111000001011000110110001000000001100000111110001"
      "0001010100111110111011010110100000001101000110110000101110001010000110000100101011111110011010011000";
  write_file(dir + "/r.txt", "110111101100100101010001\n"
                             "011101100110100011011011011010111000101111011101011000001110011101001000000111101001000011001010100000111001000111000011\n" +
                             r600 + "\n000110100111111001011000\n");
  const CliResult b = run_cli("bdm " + dir + "/r.txt", dir);
  const CliResult n = run_cli("bdm --normalized " + dir + "/r.txt", dir);
  ASSERT_EQ(b.status, 0) << b.err;
  ASSERT_EQ(n.status, 0) << n.err;
  const double pybdm_bdm[] = {65.36684637383127, 332.3304820898787, 1628.6642076938801, 74.95847260483343};
  const double pybdm_nbdm[] = {0.8016130025130177, 0.8933004153932409, 0.9031333426276162, 1.0};
  for (int i = 0; i < 4; ++i) {
    const std::string name = dir + "/r.txt:" + std::to_string(i + 1);
    EXPECT_NEAR(value_of(b.out, name), pybdm_bdm[i], 1e-9 * pybdm_bdm[i]) << name;
    EXPECT_NEAR(value_of(n.out, name), pybdm_nbdm[i], 1e-9) << name;
  }
  // D(5,2) alone imputes the two strings (max K + 1) and scores the last line higher.
  const CliResult e = run_cli("bdm --table engine-1d " + dir + "/r.txt", dir);
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_GT(value_of(e.out, dir + "/r.txt:4"), pybdm_bdm[3] + 1.0);
}

// Friction: the 2D default gives pybdm's numbers; the engine's table is `--table engine-2d`.
TEST(BdmCli, TwoDDefaultIsPybdms4x4Table) {
  const std::string dir = cli_dir();
  write_file(dir + "/ones.csv", rep(rep("1,", 11) + "1\n", 12));
  write_file(dir + "/checker.csv", "0,1,0,1\n1,0,1,0\n0,1,0,1\n1,0,1,0\n");
  // A random 16x20 array (numpy RandomState(3).randint(0, 2, (16, 20))), rows of 20.
  const std::string bits =
      "00110001110111011000011000100001011010011001010111101001110001000100110011101111110100110100000110111001101000000000"
      "10000111100110011110011000000001100010111001010110010011111000001110000001010001011101101001001000000000100101010101"
      "0110101010111110101111000101001010001001110101011011011000111010001010001011111001011001";
  std::string random;
  for (int r = 0; r < 16; ++r) random += bits.substr(r * 20, 20) + "\n";
  write_file(dir + "/random.txt", random);
  const CliResult r = run_cli("bdm --block 4x4 " + dir + "/ones.csv " + dir + "/checker.csv " + dir + "/random.txt", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NEAR(value_of(r.out, dir + "/random.txt"), 607.4763375132812, 1e-9) << r.out;  // pybdm 0.1.0
  const CliResult n = run_cli("bdm --block 4x4 --normalized " + dir + "/random.txt", dir);
  EXPECT_NEAR(value_of(n.out, dir + "/random.txt"), 0.8377712368065636, 1e-12) << n.out;  // pybdm 0.1.0
  EXPECT_NE(r.out.find("pybdm-ctm-b2-d4x4.tsv.gz"), std::string::npos) << r.out;
  EXPECT_NEAR(value_of(r.out, dir + "/ones.csv"), 25.176631293734488, 1e-9) << r.out;   // pybdm docs
  EXPECT_NEAR(value_of(r.out, dir + "/checker.csv"), 30.2657670190323, 1e-9) << r.out;  // pybdm 0.1.0
  const CliResult e = run_cli("bdm --block 4x4 --table engine-2d " + dir + "/checker.csv", dir);
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_NE(e.out.find("ctm-2d-blocks-4x4.tsv.gz"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("checker.csv\t" ), std::string::npos);
  EXPECT_NE(e.out.find("\t1\t1\n"), std::string::npos) << e.out;  // the checkerboard is imputed there
  const CliResult help = run_cli("bdm --help", dir);
  EXPECT_NE(help.out.find("engine-2d"), std::string::npos) << help.out;
}

// Issue 14 bug 2: perturb --out onto a full device is an error, not exit 0.
TEST(BdmCli, PerturbOntoAFullDeviceFails) {
  if (!std::ifstream("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string dir = cli_dir();
  write_file(dir + "/s.txt", rep("0110", 200) + "\n");
  for (const char* out : {"/dev/full"}) {
    const CliResult r = run_cli(std::string("perturb --out ") + out + " " + dir + "/s.txt", dir);
    EXPECT_NE(r.status, 0) << out;
    EXPECT_EQ(lines_of(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("cannot write '/dev/full'"), std::string::npos) << r.err;
  }
}

// Friction: several inputs give one map each; .npy holds one and says so.
TEST(BdmCli, PerturbTakesSeveralInputs) {
  const std::string dir = cli_dir();
  const std::string a = "010011010111000101101110", b = "111111111111000000000000";
  write_file(dir + "/s.txt", a + "\n" + b + "\n");
  const CliResult r = run_cli("perturb " + dir + "/s.txt", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("input\tposition\tfrom\tto\tdelta_bdm\n"), std::string::npos) << r.out;
  const std::vector<double> db = perturbation_deltas(d52(), opts_1d(12), seq(b));
  char expect[128];
  std::snprintf(expect, sizeof expect, "%s/s.txt:2\t7\t1\t0\t%.17g\n", dir.c_str(), db[6 * 2 + 0]);
  EXPECT_NE(r.out.find(expect), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2 + 1 + 48);
  const CliResult n = run_cli("perturb --out " + dir + "/p.npy " + dir + "/s.txt", dir);
  EXPECT_EQ(n.status, 2);
  EXPECT_NE(n.err.find("a .npy map holds one input, got 2"), std::string::npos) << n.err;
}

// Friction: comment lines, a CSV header line and trailing blank lines are skipped.
TEST(BdmCli, LenientTextInput) {
  const std::string dir = cli_dir();
  write_file(dir + "/s.csv", "sequence\n# a comment\n" + rep("0", 24) + "\n# another\n" + rep("01", 18) + "\n\n\n");
  const CliResult r = run_cli("bdm --table " + kShared + "/anchors-data/pybdm__ctm-b2-d12_K-expanded.tsv " + dir + "/s.csv", dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NEAR(value_of(r.out, dir + "/s.csv:3"), 26.610413747641715, 1e-9) << r.out;
  EXPECT_NEAR(value_of(r.out, dir + "/s.csv:5"), 28.575689149882567, 1e-9) << r.out;
  write_file(dir + "/a.csv", "x,y,z,w\n1,1,1,1\n1,1,1,1\n1,1,1,1\n1,1,1,1\n\n");
  const CliResult g = run_cli("bdm --block 4x4 " + dir + "/a.csv", dir);
  EXPECT_EQ(g.status, 0) << g.err;
  EXPECT_NEAR(value_of(g.out, dir + "/a.csv"), 22.006706292292176, 1e-9) << g.out;
}

// Friction: k from the table, D(3,3) by default for k = 3; --threshold binarises a 0/255 PGM.
TEST(BdmCli, AlphabetFromTableAndThreshold) {
  const std::string dir = cli_dir();
  write_file(dir + "/s.txt", "012012012012\n");
  const CliResult d = run_cli("bdm -k 3 " + dir + "/s.txt", dir);
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_NE(d.out.find("d3-3.ctm"), std::string::npos) << d.out;
  const CliResult t = run_cli("bdm --table " + kSource + "/data/d3-3.ctm " + dir + "/s.txt", dir);
  ASSERT_EQ(t.status, 0) << t.err;
  EXPECT_NE(t.out.find(", k 3,"), std::string::npos) << t.out;
  const BdmTable d33 = BdmTable::load(kSource + "/data/d3-3.ctm", 3, false);
  EXPECT_NEAR(value_of(t.out, dir + "/s.txt:1"), d33.k_of(d33.shape_index(1, 12), d33.pack("012012012012")), 1e-12);
  EXPECT_EQ(value_of(t.out, dir + "/s.txt:1"), value_of(d.out, dir + "/s.txt:1"));
  // A 0/255 greyscale image with --threshold 128 scores as its 0/1 version.
  std::string grey, bits;
  for (int i = 0; i < 64; ++i) {
    const bool on = (i * 7 + i / 8) % 3 == 0;
    grey += on ? '\xff' : '\0';
    bits += on ? '\x01' : '\0';
  }
  write_file(dir + "/g.pgm", "P5\n8 8\n255\n" + grey);
  write_file(dir + "/b.pgm", "P5\n8 8\n1\n" + bits);
  const CliResult g = run_cli("bdm --block 4x4 --threshold 128 " + dir + "/g.pgm", dir);
  const CliResult b = run_cli("bdm --block 4x4 " + dir + "/b.pgm", dir);
  ASSERT_EQ(g.status, 0) << g.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_FALSE(std::isnan(value_of(g.out, dir + "/g.pgm"))) << g.out;
  EXPECT_EQ(value_of(g.out, dir + "/g.pgm"), value_of(b.out, dir + "/b.pgm")) << g.out << b.out;
  const CliResult no = run_cli("bdm --block 4x4 " + dir + "/g.pgm", dir);
  EXPECT_EQ(no.status, 1);
  EXPECT_NE(no.err.find("outside the alphabet 0..1 (binarise with --threshold T)"), std::string::npos) << no.err;
}

// Friction: acss's functions on the command line equal the library's.
TEST(BdmCli, AcssFunctions) {
  const std::string dir = cli_dir();
  const CliResult k = run_cli("acss 010101 0110", dir);
  ASSERT_EQ(k.status, 0) << k.err;
  const AcssValue v = acss(d52(), "010101");
  std::ostringstream expect;
  expect.precision(17);
  expect << "010101\t" << v.k << '\t' << v.d << '\n';
  EXPECT_NE(k.out.find(expect.str()), std::string::npos) << k.out;
  const CliResult lc = run_cli("acss --function local_complexity --span 3 01101", dir);
  ASSERT_EQ(lc.status, 0) << lc.err;
  const std::vector<double> l = local_complexity(d52(), "01101", 3);
  ASSERT_EQ(l.size(), 3u);
  std::ostringstream lrow;
  lrow.precision(17);
  lrow << "01101\t3\t" << l[2] << '\n';
  EXPECT_NE(lc.out.find(lrow.str()), std::string::npos) << lc.out;
  for (const char* fn : {"likelihood_d", "likelihood_ratio", "prob_random"}) {
    const CliResult r = run_cli(std::string("acss --function ") + fn + " 0011", dir);
    ASSERT_EQ(r.status, 0) << fn << r.err;
    const double want = std::string(fn) == "likelihood_d" ? likelihood_d(d52(), "0011")
                        : std::string(fn) == "likelihood_ratio" ? likelihood_ratio(d52(), "0011")
                                                                : prob_random(d52(), "0011", 0.5);
    EXPECT_NEAR(value_of(r.out, "0011"), want, 1e-15 * std::abs(want)) << fn << r.out;
  }
  const CliResult bad = run_cli("acss 0120 0011", dir);
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(lines_of(bad.err), 1u) << bad.err;
  EXPECT_FALSE(std::isnan(value_of(bad.out, "0011")));
  EXPECT_EQ(run_cli("acss --function nope 01", dir).status, 2);
}
