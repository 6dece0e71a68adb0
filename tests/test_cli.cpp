// The ctm command as a user runs it: exit status, one clear error line, files it writes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_testing.hpp"
#include "ctm/enumerate.hpp"  // cuda_available
#include "ctm/table_io.hpp"

namespace {

struct Result {
  int status;
  std::string out;  // stdout and stderr together
};

// A plain shell line (no ctm), stdout and stderr together.
Result run_shell_text(const std::string& line) {
  FILE* p = popen((line + " 2>&1").c_str(), "r");
  Result r{-1, ""};
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

// `timeout_s` > 0 runs it under coreutils timeout (exit 124 when it runs too long).
Result run(const std::string& args, int timeout_s = 0) {
  const std::string bound = timeout_s > 0 ? "timeout " + std::to_string(timeout_s) + " " : "";
  return run_shell_text(bound + ctm::test_support::cli_path() + " " + args);
}

std::string temp_dir() { return ctm::test_support::temp_dir("ctm-cli-"); }

}  // namespace

TEST(Cli, BadArgumentsGetOneLineAndNonZeroExit) {
  const std::string out = temp_dir() + "/x.ctm";
  const char* bad[] = {
      "enumerate --states 6 --symbols 3 --out ",   // n*k too large
      "enumerate --states 2 --symbols 1 --out ",   // k < 2
      "enumerate --states 2 --symbols 2 --cutoff 0 --out ",
      "enumerate --states 2 --symbols 2 --backend gpu9 --out ",
      "enumerate --states 2 --symbols 2 --gpu-design breadth --out ",
      "enumerate --states 2 --symbols 2 --gpu-design wavefront --backend cuda --dims 2 --cutoff 20 --out ",
      "enumerate --states 2 --symbols 3 --out ",   // no standard cutoff
      "enumerate --states 2 --symbols 2 --shard 3/2 --out ",
      "enumerate --states x --symbols 2 --out ",
      "sample -n 3 -k 2 --seed 1 --machines 10 --backend gpu9 --out ",
      "sample -n 3 -k 2 --seed 1 --machines 10 --device -1 --out ",
  };
  for (const char* args : bad) {
    const Result r = run(std::string(args) + out);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind("ctm: error: ", 0), 0u) << r.out;
  }
  const Result unwritable = run("enumerate --states 2 --symbols 2 --out /no/such/folder/x.ctm");
  EXPECT_EQ(unwritable.status, 2);
  EXPECT_NE(unwritable.out.find("/no/such/folder"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_EQ(run("info /no/such/file.ctm").status, 2);
  EXPECT_EQ(run("frobnicate").status, 2);
}

TEST(Cli, EnumerateInfoExportLookupMachines) {
  const std::string dir = temp_dir();
  const Result e = run("enumerate --states 2 --symbols 2 --out " + dir + "/d2.ctm");
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_NE(e.out.find("halting runs H   6088"), std::string::npos) << e.out;
  const Result info = run("info " + dir + "/d2.ctm");
  EXPECT_NE(info.out.find("distinct outputs 22"), std::string::npos) << info.out;
  const Result ex = run("export " + dir + "/d2.ctm --format csv");
  EXPECT_NE(ex.out.find("\n\"0\",2000,"), std::string::npos) << ex.out;
  const Result lk = run("lookup " + dir + "/d2.ctm 00 0000000");
  EXPECT_NE(lk.out.find("00\t508\t"), std::string::npos) << lk.out;
  EXPECT_NE(lk.out.find("0000000\t0\t0\tinf"), std::string::npos) << lk.out;
  // (2,2) produces 000 in exactly 4 (machine, blank) runs (2 on each blank).
  const Result m = run("machines --states 2 --symbols 2 000");
  EXPECT_EQ(m.status, 0);
  EXPECT_NE(m.out.find("# total 4 "), std::string::npos) << m.out;
  EXPECT_EQ(run("machines --states 2 --symbols 2 012").status, 2);
}

TEST(Cli, ShardsAndResumeGiveTheSameTable) {
  const std::string dir = temp_dir();
  ASSERT_EQ(run("enumerate -n 4 -k 2 -q --out " + dir + "/whole.ctm").status, 0);
  ASSERT_EQ(run("enumerate -n 4 -k 2 -q --shard 0/2 --out " + dir + "/s0.ctm").status, 0);
  ASSERT_EQ(run("enumerate -n 4 -k 2 -q --shard 1/2 --out " + dir + "/s1.ctm").status, 0);
  ASSERT_EQ(run("merge " + dir + "/s0.ctm " + dir + "/s1.ctm --out " + dir + "/merged.ctm").status, 0);
  // A resumed run: chunks already on disk are reused, the rest computed.
  ASSERT_EQ(run("enumerate -n 4 -k 2 -q --resume-dir " + dir + "/chunks --chunks 5 --out " + dir + "/first.ctm").status, 0);
  std::filesystem::remove(dir + "/chunks/chunk-3-of-5.ctm");
  ASSERT_EQ(run("enumerate -n 4 -k 2 -q --resume-dir " + dir + "/chunks --chunks 5 --out " + dir + "/resumed.ctm").status, 0);
  const ctm::Table whole = ctm::read_table(dir + "/whole.ctm");
  for (const char* name : {"/merged.ctm", "/resumed.ctm"}) {
    const ctm::Table t = ctm::read_table(dir + name);
    EXPECT_EQ(t.counts, whole.counts) << name;
    EXPECT_EQ(ctm::to_string(t.nonhalting_proved), ctm::to_string(whole.nonhalting_proved)) << name;
    EXPECT_EQ(t.halt_time, whole.halt_time) << name;
  }
}

TEST(Cli, TwoDimensionalTables) {
  const std::string dir = temp_dir();
  EXPECT_EQ(run("enumerate --dims 2 -n 2 -k 2 -q --out " + dir + "/no-cutoff.ctm").status, 2);  // no standard 2D cutoff
  EXPECT_EQ(run("enumerate --dims 3 -n 2 -k 2 -T 5 -q --out " + dir + "/x.ctm").status, 2);
  const Result e = run("enumerate --dims 2 -n 2 -k 2 -T 30 --out " + dir + "/g.ctm");
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_NE(e.out.find("space            (2,2)_2D"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("machines         104976"), std::string::npos) << e.out;
  const Result ex = run("export " + dir + "/g.ctm");
  EXPECT_NE(ex.out.find("joined by '-'"), std::string::npos) << ex.out;
  EXPECT_NE(ex.out.find("\n0-1\t"), std::string::npos) << ex.out;
  const Result lk = run("lookup " + dir + "/g.ctm 0-1 1-0 11-11");
  EXPECT_EQ(lk.status, 0) << lk.out;
  const ctm::Table t = ctm::read_table(dir + "/g.ctm");
  EXPECT_NE(lk.out.find("0-1\t" + ctm::to_string(t.count("0-1")) + "\t"), std::string::npos) << lk.out;
  EXPECT_EQ(t.count("0-1"), t.count("1-0"));
}

TEST(Cli, SampleMergeInfoExport) {
  const std::string dir = temp_dir();
  const std::string base = "sample -n 3 -k 2 --seed 11 -q ";
  ASSERT_EQ(run(base + "--machines 3000 --out " + dir + "/all.ctm").status, 0);
  ASSERT_EQ(run(base + "--machines 1000 --out " + dir + "/a.ctm").status, 0);
  ASSERT_EQ(run(base + "--machines 2000 --start 1000 --out " + dir + "/b.ctm").status, 0);
  ASSERT_EQ(run("merge " + dir + "/a.ctm " + dir + "/b.ctm --out " + dir + "/ab.ctm").status, 0);
  EXPECT_EQ(ctm::read_table(dir + "/ab.ctm").counts, ctm::read_table(dir + "/all.ctm").counts);
  const Result overlap = run("merge " + dir + "/a.ctm " + dir + "/all.ctm --out " + dir + "/bad.ctm");
  EXPECT_EQ(overlap.status, 2);
  EXPECT_NE(overlap.out.find("ctm: error: cannot merge sampled tables with overlapping machine ranges"), std::string::npos) << overlap.out;
  ASSERT_EQ(run("sample -n 3 -k 2 --seed 12 --machines 10 -q --start 5000 --out " + dir + "/c.ctm").status, 0);
  EXPECT_NE(run("merge " + dir + "/a.ctm " + dir + "/c.ctm --out " + dir + "/bad.ctm").out.find("different seeds"), std::string::npos);
  const Result info = run("info " + dir + "/ab.ctm");
  EXPECT_NE(info.out.find("sampled          seed 11, machine indices [0, 3000)"), std::string::npos) << info.out;
  const Result ex = run("export " + dir + "/ab.ctm --format csv");
  EXPECT_EQ(ex.out.rfind("string,count,K,D,D_low95,D_high95,K_low95,K_high95\n", 0), 0u) << ex.out;
  EXPECT_EQ(run("sample -n 2 -k 3 --seed 1 --machines 10 -q --out " + dir + "/x.ctm").status, 2);  // no standard cutoff
  ASSERT_EQ(run("sample --dims 2 -n 2 -k 2 -T 20 --seed 1 --machines 100 -q --out " + dir + "/g.ctm").status, 0);
}

TEST(Cli, SampleBackendCudaWithoutDeviceIsOneLine) {
  if (ctm::cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  const std::string dir = temp_dir();
  const Result r = run("sample -n 3 -k 2 --seed 1 --machines 10 --backend cuda -q --out " + dir + "/cuda.ctm");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_EQ(r.out.rfind("ctm: error: backend 'cuda' requested but ", 0), 0u) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/cuda.ctm"));
  const Result a = run("sample -n 3 -k 2 --seed 1 --machines 10 --backend auto --out " + dir + "/auto.ctm");
  EXPECT_EQ(a.status, 0) << a.out;
  EXPECT_NE(a.out.find("cpu-sample"), std::string::npos) << a.out;  // auto falls back to the CPU
}

namespace {

using ctm::test_support::run_cli;

int count_lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// A private character device as root (a copy of /dev/null or /dev/full: a regression that renamed
// over it harms nothing), else the real one, which a non-root process cannot replace.
std::string device_node(const std::string& dir, const std::string& name, unsigned minor) {
  const std::string path = dir + "/" + name;
  std::filesystem::remove(path);
  if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(1, minor)) == 0) return path;
  return minor == 3 ? "/dev/null" : "/dev/full";
}

bool is_char_device(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

}  // namespace

// Issue 14 bug 1: --out of enumerate, merge and blocks2d never replaces a device, FIFO or link.
TEST(Cli, OutputPathsKeepDevicesAndLinks) {
  const std::string dir = temp_dir() + "/out";
  std::filesystem::create_directories(dir);
  const std::string full = device_node(dir, "full", 7), null = device_node(dir, "null", 3);
  const Result e = run("enumerate -n 2 -k 2 -q --out " + full);
  EXPECT_EQ(e.status, 2) << e.out;
  EXPECT_EQ(count_lines(e.out), 1) << e.out;
  EXPECT_NE(e.out.find("No space left on device"), std::string::npos) << e.out;
  EXPECT_TRUE(is_char_device(full));
  EXPECT_EQ(run("enumerate -n 2 -k 2 -q --out " + null).status, 0);
  EXPECT_TRUE(is_char_device(null));
  // merge through a symlink: the link stays, its target gets the table.
  ASSERT_EQ(run("enumerate -n 2 -k 2 -q --out " + dir + "/d2.ctm").status, 0);
  std::filesystem::remove(dir + "/link.ctm");
  std::filesystem::create_symlink("merged.ctm", dir + "/link.ctm");
  const Result m = run("merge -q " + dir + "/d2.ctm --out " + dir + "/link.ctm");
  ASSERT_EQ(m.status, 0) << m.out;
  EXPECT_EQ(m.out, "");  // -q
  EXPECT_TRUE(std::filesystem::is_symlink(dir + "/link.ctm"));
  EXPECT_EQ(ctm::to_string(ctm::read_table(dir + "/merged.ctm").halting), "6088");
  const Result mf = run("merge -q " + dir + "/d2.ctm --out " + full);
  EXPECT_EQ(mf.status, 2) << mf.out;
  EXPECT_TRUE(is_char_device(full));
  // blocks2d to a device.
  ASSERT_EQ(run("enumerate --dims 2 -n 2 -k 2 -T 30 -q --out " + dir + "/g.ctm").status, 0);
  const Result b = run("blocks2d " + dir + "/g.ctm --max 2x2 -q --out " + full);
  EXPECT_EQ(b.status, 2) << b.out;
  EXPECT_TRUE(is_char_device(full));
  EXPECT_EQ(run("blocks2d " + dir + "/g.ctm --max 2x2 -q --out " + null).status, 0);
  EXPECT_TRUE(is_char_device(null));
}

// Issue 14 bug 2: a full stdout is an error, for every command (checked once in main).
TEST(Cli, FullStandardOutputIsAnError) {
  const std::string dir = temp_dir();
  ASSERT_EQ(run("enumerate -n 2 -k 2 -q --out " + dir + "/d2.ctm").status, 0);
  std::ofstream(dir + "/s.txt") << "010110100111010\n";
  const std::string cmds[] = {"export " + dir + "/d2.ctm", "export --format csv " + dir + "/d2.ctm",
                              "info " + dir + "/d2.ctm",  "lookup " + dir + "/d2.ctm 0101",
                              "bdm " + dir + "/s.txt",    "machines -n 2 -k 2 000",
                              "enumerate -n 2 -k 2 --out " + dir + "/again.ctm"};
  for (const auto& c : cmds) {
    const auto r = run_cli(c + " >/dev/full", dir);
    EXPECT_EQ(r.status, 2) << c << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << c << "\n" << r.err;
    EXPECT_NE(r.err.find("ctm: error: writing standard output failed"), std::string::npos) << c << "\n" << r.err;
  }
  EXPECT_EQ(run_cli("export " + dir + "/d2.ctm >/dev/null", dir).status, 0);
}

// A proof schedule (--ngram-after, --bouncer-after) moves only the proved / cut-off split: every
// count, halting time and the sum of non-halting runs stay; the table says which deciders ran.
void expect_schedule_moves_only_the_split(const std::string& space, const std::string& option, int early_steps,
                                          const std::string& decider) {
  SCOPED_TRACE(option);
  const std::string dir = temp_dir(), e = "enumerate " + space + " -q ";
  ASSERT_EQ(run(e + "--out " + dir + "/default.ctm").status, 0);
  ASSERT_EQ(run(e + option + " " + std::to_string(early_steps) + " --out " + dir + "/early.ctm").status, 0);
  ASSERT_EQ(run(e + option + " 0 --out " + dir + "/off.ctm").status, 0);
  const ctm::Table def = ctm::read_table(dir + "/default.ctm");
  const ctm::Table early = ctm::read_table(dir + "/early.ctm");
  const ctm::Table off = ctm::read_table(dir + "/off.ctm");
  for (const ctm::Table* t : {&early, &off}) {
    EXPECT_EQ(t->counts, def.counts);
    EXPECT_EQ(t->halt_time, def.halt_time);
    EXPECT_EQ(ctm::to_string(t->nonhalting_proved + t->nonhalting_cutoff),
              ctm::to_string(def.nonhalting_proved + def.nonhalting_cutoff));
  }
  // Earlier tries settle runs sooner (fewer steps); without the proof, fewer runs are settled before
  // the cutoff and more steps are spent.
  EXPECT_GE(early.nonhalting_proved, def.nonhalting_proved);
  EXPECT_LT(early.meta.simulated_steps, def.meta.simulated_steps);
  EXPECT_LT(off.nonhalting_proved, def.nonhalting_proved);
  EXPECT_GT(off.meta.simulated_steps, def.meta.simulated_steps);
  const auto has = [&](const ctm::Table& t) {
    return std::find(t.meta.deciders.begin(), t.meta.deciders.end(), decider) != t.meta.deciders.end();
  };
  EXPECT_TRUE(has(def));
  EXPECT_TRUE(has(early));
  EXPECT_FALSE(has(off));
  // The table says when the proof was tried (--ngram-after -> "ngram_after"), and ctm info prints it.
  std::string key = option.substr(2);
  std::replace(key.begin(), key.end(), '-', '_');
  EXPECT_EQ(early.meta.schedule.at(key), static_cast<uint32_t>(early_steps));
  EXPECT_EQ(off.meta.schedule.at(key), 0u);
  const Result info = run("info " + dir + "/early.ctm");
  EXPECT_NE(info.out.find(key + " " + std::to_string(early_steps)), std::string::npos) << info.out;
}

TEST(Cli, NgramScheduleChangesOnlyTheProvedCutoffSplit) {
  expect_schedule_moves_only_the_split("-n 4 -k 2", "--ngram-after", 8, "ngram-cps");
}
// At (4,2)'s standard cutoff (107) the default bouncer try (96 steps into a segment) would come too
// late to pay (bouncer_try_at), so this one runs to T=300.
TEST(Cli, BouncerScheduleChangesOnlyTheProvedCutoffSplit) {
  expect_schedule_moves_only_the_split("-n 4 -k 2 -T 300", "--bouncer-after", 16, "bouncer");
}

// Issue 14 bug 8: negative values for counts, seeds, indices are refused, not wrapped to 2^64 - 1.
TEST(Cli, NegativeValuesAreRefused) {
  const std::string out = temp_dir() + "/neg.ctm", chunks = temp_dir() + "/neg-chunks";
  const std::string bad[] = {
      "sample -n 3 -k 2 --seed -1 --machines 10 --out ",
      "sample -n 3 -k 2 --seed 1 --machines -5 --out ",
      "sample -n 3 -k 2 --seed 1 --machines 10 --start -1 --out ",
      "sample -n 3 -k 2 --seed 1 --machines 10 --threads -2 --out ",
      "sample -n 3 -k 2 --seed 1 --machines 10 --cutoff -5 --out ",
      "enumerate -n 2 -k 2 --threads -2 --out ",
      "enumerate -n 2 -k 2 --cutoff -5 --out ",
      "enumerate -n 2 -k 2 --shard 0/-2 --out ",
      "enumerate -n 2 -k 2 --shard -1/2 --out ",
      "enumerate -n 2 -k 2 --resume-dir " + chunks + " --chunks -3 --out ",
      "enumerate -n 2 -k 2 --device -1 --out ",
      "enumerate -n 2 -k 2 --ngram-after -1 --out ",
      "enumerate -n 2 -k 2 --bouncer-after -1 --out ",
  };
  for (const std::string& args : bad) {
    // Bounded: a wrapped value (2^32 - 3 chunks, a 2^64 - 1 machine sample) would run for hours.
    const Result r = run(args + out, 60);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out;
    EXPECT_EQ(count_lines(r.out), 1) << args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind("ctm: error: ", 0), 0u) << args << "\n" << r.out;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

// Issue 14 bug 12: lookup refuses strings no table of the space holds; absent strings are inf.
TEST(Cli, LookupRefusesForeignStringsAndPrintsInfForAbsentOnes) {
  const std::string dir = temp_dir();
  ASSERT_EQ(run("enumerate -n 2 -k 2 -q --out " + dir + "/d2.ctm").status, 0);
  std::ofstream(dir + "/k.tsv") << "0\t2.5\n1\t2.5\n01\t3.5\n";
  for (const std::string table : {dir + "/d2.ctm", dir + "/k.tsv"}) {
    for (const char* s : {"012", "''", "0-1", "0a"}) {
      const Result r = run("lookup " + table + " 01 " + s);
      EXPECT_EQ(r.status, 2) << table << " " << s << "\n" << r.out;
      EXPECT_EQ(count_lines(r.out), 1) << r.out;
      EXPECT_EQ(r.out.rfind("ctm: error: lookup: ", 0), 0u) << r.out;
    }
    const Result absent = run("lookup " + table + " 0000000000");
    EXPECT_EQ(absent.status, 0) << absent.out;
    EXPECT_NE(absent.out.find("\tinf\n"), std::string::npos) << table << "\n" << absent.out;
    EXPECT_EQ(absent.out.find("nan"), std::string::npos) << absent.out;
  }
}

// Issue 15 point 7: CSV export has the header first and quoted strings.
TEST(Cli, CsvExportStartsWithItsHeader) {
  const std::string dir = temp_dir();
  ASSERT_EQ(run("enumerate -n 2 -k 2 -q --out " + dir + "/d2.ctm").status, 0);
  const Result ex = run("export " + dir + "/d2.ctm --format csv");
  ASSERT_EQ(ex.status, 0);
  EXPECT_EQ(ex.out.rfind("string,count,K\n\"0\",2000,", 0), 0u) << ex.out.substr(0, 200);
}

// The shipping format of issue 12: strings up to a length, gzipped into a file; the same rows as
// the plain export; `info` names the length the table covers completely.
TEST(Cli, ExportToGzipUpToALength) {
  const std::string dir = temp_dir();
  const std::string table = std::string(CTM_SOURCE_DIR) + "/data/d4-2.ctm";
  ASSERT_EQ(run("export " + table + " --format csv --max-length 8 -o " + dir + "/k8.csv.gz").status, 0);
  const Result unzipped = run("export " + table + " --format csv --max-length 8 -o " + dir + "/k8.csv");
  ASSERT_EQ(unzipped.status, 0);
  EXPECT_TRUE(unzipped.out.empty()) << unzipped.out;
  const Result gz = run_shell_text("gzip -dc " + dir + "/k8.csv.gz | cmp - " + dir + "/k8.csv && echo same");
  EXPECT_EQ(gz.out, "same\n");
  const Result lines = run_shell_text("wc -l < " + dir + "/k8.csv");
  EXPECT_EQ(std::stoul(lines.out), 1u + 510u);  // header + every string of length 1..8 (complete to 8)
  EXPECT_NE(run("info " + table).out.find("complete to      length 8"), std::string::npos);
  const Result bad = run("export " + table + " --max-length 3 -o /nonexistent-dir/x.gz");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(std::count(bad.out.begin(), bad.out.end(), '\n'), 1) << bad.out;
}

// Issue 14 friction: options that would do nothing say so; a corrupt checkpoint names its file.
TEST(Cli, IgnoredOptionsAndCorruptChunksSaySo) {
  const std::string dir = temp_dir() + "/friction";
  std::filesystem::create_directories(dir);
  const Result c = run("enumerate -n 2 -k 2 -q --chunks 4 --out " + dir + "/c.ctm");
  EXPECT_EQ(c.status, 2) << c.out;
  EXPECT_EQ(c.out, "ctm: error: --chunks needs --resume-dir or an MPI launch (it splits the run into that many chunks)\n");
  if (!ctm::cuda_available()) {
    const Result d = run("enumerate -n 2 -k 2 -q --device 1 --out " + dir + "/d.ctm");
    EXPECT_EQ(d.status, 0) << d.out;
    EXPECT_EQ(d.out.rfind("ctm: warning: --device 1 is ignored (", 0), 0u) << d.out;
    EXPECT_EQ(count_lines(d.out), 1) << d.out;
  }
  const std::string chunks = dir + "/chunks";
  ASSERT_EQ(run("enumerate -n 3 -k 2 -q --resume-dir " + chunks + " --chunks 3 --out " + dir + "/r.ctm").status, 0);
  std::ofstream(chunks + "/chunk-1-of-3.ctm") << "half a file";
  const Result r = run("enumerate -n 3 -k 2 -q --resume-dir " + chunks + " --chunks 3 --out " + dir + "/r.ctm");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("delete '" + chunks + "/chunk-1-of-3.ctm' and rerun"), std::string::npos) << r.out;
}
