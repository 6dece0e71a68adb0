// The `ctm` command line: enumerate, info, export, blocks2d, lookup, machines, merge. Library errors become
// one line on stderr and exit status 2; nothing here prints from inside the library.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bdm_cli.hpp"
#include "ctm/blocks2d.hpp"
#include "ctm/enumerate.hpp"
#include "ctm/machine.hpp"
#include "ctm/sample.hpp"
#include "ctm/table_io.hpp"
#include "ctm/version.hpp"
#include "collapse_cli.hpp"

namespace {

using namespace ctm;

std::string human(double v) {
  char buf[32];
  const char* unit[] = {"", "k", "M", "G", "T", "P", "E"};
  int i = 0;
  while (std::fabs(v) >= 1000 && i < 6) { v /= 1000; ++i; }
  std::snprintf(buf, sizeof buf, i ? "%.2f%s" : "%.0f%s", v, unit[i]);
  return buf;
}

void print_summary(const Table& t, std::ostream& out) {
  const TableMeta& m = t.meta;
  out << "space            " << m.space.name() << "\n"
      << "cutoff           " << m.cutoff << "\n"
      << "backend          " << m.backend << " (ctm " << m.code_version << ")\n";
  if (!m.source.empty()) out << "source           " << m.source << "\n";
  if (!t.complete())
    out << "shards           " << (m.shards_covered.empty() ? 1 : m.shards_covered.size()) << " of " << m.shard_count
        << " (partial table: merge the others with ctm merge)\n";
  if (m.sampling.sampled) {
    out << "sampled          seed " << m.sampling.seed << ", machine indices";
    for (const auto& r : m.sampling.ranges) out << " [" << r.start << ", " << r.end << ")";
    out << " (uniform draws; D and K below with 95% Wilson intervals)\n";
  }
  out << "machines         " << to_string(t.machines) << "\n"
      << "halting runs H   " << to_string(t.halting) << "  (all " << m.space.symbols << " blank symbols)\n"
      << "non-halting      " << to_string(t.nonhalting_proved) << " proved, " << to_string(t.nonhalting_cutoff)
      << " cut off at " << m.cutoff << "\n"
      << "distinct outputs " << t.counts.size() << "\n";
  if (!t.halt_time.empty() && t.halting > 0) {
    uint32_t longest = 0;
    count_t late = 0;
    for (uint32_t i = 0; i < t.halt_time.size(); ++i)
      if (t.halt_time[i]) longest = i;
    for (uint32_t i = t.halt_time.size() / 2; i < t.halt_time.size(); ++i) late += t.halt_time[i];
    out << "halting times    longest " << longest << " steps; " << to_string(late) << " runs halt in the second half of the cutoff\n";
  }
  if (m.wall_seconds > 0)
    out << "wall time        " << m.wall_seconds << " s, " << human(static_cast<double>(m.tree_nodes)) << " partial machines, "
        << human(static_cast<double>(m.simulated_steps)) << " steps\n";
  if (!m.deciders.empty()) {
    out << "deciders        ";
    for (const auto& d : m.deciders) out << " " << d;
    out << "\n";
  }
  if (m.accounting.recorded) {
    const RunAccounting& a = m.accounting;
    out << "steps            " << a.steps_branch << " to branch points (halting runs), " << a.steps_proved
        << " in runs proved non-halting, " << a.steps_cutoff << " in " << a.cutoff_nodes << " runs cut off\n"
        << "settled by       ";
    bool first = true;
    for (const auto& [name, n] : a.settled) {
      if (!n) continue;
      out << (first ? "" : ", ") << name << " " << n;
      first = false;
    }
    out << (first ? "none" : "") << " (partial machines)\n";
  }
  std::vector<std::pair<std::string, count_t>> top(t.counts.begin(), t.counts.end());
  std::sort(top.begin(), top.end(), [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  out << "most frequent    ";
  for (size_t i = 0; i < top.size() && i < 6; ++i) {
    out << (i ? ", " : "") << top[i].first << " (K=" << t.complexity(top[i].first);
    if (m.sampling.sampled) {
      const Interval ki = k_interval(t, top[i].first);
      out << " [" << ki.low << ", " << ki.high << "]";
    }
    out << ")";
  }
  out << "\n";
}

struct ShardArg {
  uint32_t index = 0, count = 1;
};

ShardArg parse_shard(const std::string& s) {
  ShardArg a;
  if (s.empty()) return a;
  const size_t slash = s.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument(s);
    a.index = static_cast<uint32_t>(std::stoul(s.substr(0, slash)));
    a.count = static_cast<uint32_t>(std::stoul(s.substr(slash + 1)));
  } catch (const std::exception&) {
    throw Error("--shard expects I/M with 0 <= I < M (got '" + s + "')");
  }
  if (a.count < 1 || a.index >= a.count) throw Error("--shard expects I/M with 0 <= I < M (got '" + s + "')");
  return a;
}

void check_writable(const std::string& path) {
  const std::filesystem::path p(path);
  const auto dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir)) throw Error("cannot write '" + path + "': folder '" + dir.string() + "' does not exist");
  if (::access(dir.c_str(), W_OK) != 0) throw Error("cannot write '" + path + "': folder '" + dir.string() + "' is not writable");
  if (std::filesystem::is_directory(p)) throw Error("cannot write '" + path + "': it is a folder");
}

// Runs a table in `chunks` shards, each saved in `dir` as soon as it is done; a rerun skips the saved
// ones, so a killed run loses at most the chunk in flight.
Table enumerate_resumable(EnumerateOptions opt, const std::string& dir, uint32_t chunks) {
  std::filesystem::create_directories(dir);
  Table total;
  bool first = true;
  for (uint32_t c = 0; c < chunks; ++c) {
    const std::string part = dir + "/chunk-" + std::to_string(c) + "-of-" + std::to_string(chunks) + ".ctm";
    Table t;
    if (std::filesystem::exists(part)) {
      t = read_table(part);
      if (t.meta.space.states != opt.space.states || t.meta.space.symbols != opt.space.symbols || t.meta.space.dims != opt.space.dims ||
          (opt.cutoff && t.meta.cutoff != opt.cutoff))
        throw Error("checkpoint '" + part + "' belongs to another run (space " + t.meta.space.name() + ", cutoff " +
                    std::to_string(t.meta.cutoff) + ")");
    } else {
      opt.shard_index = c;
      opt.shard_count = chunks;
      t = enumerate(opt);
      write_table(t, part);
    }
    if (first) { total = t; first = false; } else total.merge(t);
  }
  return total;
}

int run(int argc, char** argv) {
  CLI::App app{"ctm: exact Coding Theorem Method tables (output frequencies of small Turing machines)"};
  app.set_version_flag("--version", std::string("ctm ") + kVersion);
  app.require_subcommand(1);

  // enumerate
  EnumerateOptions eo;
  std::string out_path, shard_text, resume_dir;
  uint32_t chunks = 64;
  bool quiet = false;
  auto* en = app.add_subcommand("enumerate", "Compute the exact output-frequency table of a machine space");
  en->add_option("--states,-n", eo.space.states, "Number of states n")->required();
  en->add_option("--symbols,-k", eo.space.symbols, "Number of symbols k")->required();
  en->add_option("--dims", eo.space.dims, "1 (tape) or 2 (grid, turmites; needs --cutoff)");
  en->add_option("--cutoff,-T", eo.cutoff, "Step cutoff T (default: the spec's standard cutoff)");
  en->add_option("--backend", eo.backend, "auto | cpu | cuda");
  en->add_option("--threads,-j", eo.threads, "CPU threads (0 = all)");
  en->add_option("--device", eo.device, "CUDA device index (with --backend cuda or auto)");
  en->add_option("--shard", shard_text, "Run only slice I/M of the work items (merge the parts with ctm merge)");
  en->add_option("--resume-dir", resume_dir, "Save finished chunks here and skip them when rerun");
  en->add_option("--chunks", chunks, "Number of chunks with --resume-dir");
  en->add_option("--out,-o", out_path, "Table file to write")->required();
  en->add_flag("--quiet,-q", quiet, "No progress line or summary");

  std::string file, format = "tsv";
  auto* info = app.add_subcommand("info", "Show a table file's metadata and summary");
  info->add_option("file", file, "Table file")->required();

  auto* ex = app.add_subcommand("export", "Write a table as text: string, count, K");
  ex->add_option("file", file, "Table file")->required();
  ex->add_option("--format", format, "tsv | csv");

  std::string max_block = "4x4", block_mode = "whole";
  auto* b2 = app.add_subcommand("blocks2d", "Derive a 2D block table (K of every block shape up to --max) from a 2D table");
  b2->add_option("file", file, "2D table file (ctm enumerate --dims 2)")->required();
  b2->add_option("--max", max_block, "Largest block, RxC (default 4x4): every shape h x w with h <= R, w <= C");
  b2->add_option("--mode", block_mode, "whole: outputs equal to the block (default, closer to the published 4x4 table); sub: sub-blocks of every output");
  b2->add_option("--out,-o", out_path, "Output file, key<TAB>K (.gz: gzip)")->required();
  b2->add_flag("--quiet,-q", quiet, "No summary line");

  std::vector<std::string> strings;
  auto* lk = app.add_subcommand("lookup", "Count, D and K of strings (a ctm table or a string,K text table)");
  lk->add_option("file", file, "Table file")->required();
  lk->add_option("strings", strings, "Strings to look up")->required();

  Space ms;
  uint32_t m_cutoff = 0;
  std::string target;
  auto* mc = app.add_subcommand("machines", "List the machines that produce a string (small spaces)");
  mc->add_option("--states,-n", ms.states, "Number of states n")->required();
  mc->add_option("--symbols,-k", ms.symbols, "Number of symbols k")->required();
  mc->add_option("--cutoff,-T", m_cutoff, "Step cutoff T (default: standard)");
  mc->add_option("string", target, "Output string")->required();

  SampleOptions so;
  auto* sm = app.add_subcommand("sample", "Estimate a table from uniformly drawn machines (spaces too large to enumerate)");
  sm->add_option("--states,-n", so.space.states, "Number of states n")->required();
  sm->add_option("--symbols,-k", so.space.symbols, "Number of symbols k")->required();
  sm->add_option("--dims", so.space.dims, "1 (tape) or 2 (grid)");
  sm->add_option("--machines,-m", so.machines, "Number of machines to draw")->required();
  sm->add_option("--seed", so.seed, "Seed: machine i of a seed is the same in every run")->required();
  sm->add_option("--start", so.start, "First machine index (runs over disjoint ranges merge exactly)");
  sm->add_option("--cutoff,-T", so.cutoff, "Step cutoff T (default: the spec's standard cutoff)");
  sm->add_option("--threads,-j", so.threads, "CPU threads (0 = all)");
  sm->add_option("--backend", so.backend, "auto | cpu | cuda (auto: CUDA when a device is present)");
  sm->add_option("--device", so.device, "CUDA device index (with --backend cuda or auto)");
  sm->add_option("--out,-o", out_path, "Table file to write")->required();
  sm->add_flag("--quiet,-q", quiet, "No summary");

  std::vector<std::string> inputs;
  auto* mg = app.add_subcommand("merge", "Add tables of the same space and cutoff (shards, chunks)");
  mg->add_option("files", inputs, "Table files")->required();
  mg->add_option("--out,-o", out_path, "Merged table file")->required();

  ctm::cli::BdmCommands bdm_commands(app);  // bdm, perturb (host/cli/bdm_cli.cpp)
  ctm::cli::add_collapse_subcommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ctm: error: " << e.what() << " (see ctm --help)\n";
    return 2;
  }

  if (bdm_commands.parsed()) return bdm_commands.run();
  if (*en) {
    const ShardArg sh = parse_shard(shard_text);
    eo.shard_index = sh.index;
    eo.shard_count = sh.count;
    eo.space.validate();
    if (eo.cutoff == 0 && standard_cutoff(eo.space) == 0)
      throw Error("no standard cutoff for space " + eo.space.name() + ": give one with --cutoff");
    if (en->count("--cutoff") && eo.cutoff < 1) throw Error("--cutoff must be at least 1");
    if (eo.device < 0) throw Error("--device must be >= 0 (got " + std::to_string(eo.device) + ")");
    if (eo.backend != "auto" && eo.backend != "cpu" && eo.backend != "cuda")
      throw Error("unknown backend '" + eo.backend + "' (expected auto, cpu or cuda)");
    if (!resume_dir.empty() && (chunks < 1 || sh.count > 1)) throw Error("--resume-dir needs --chunks >= 1 and no --shard");
    check_writable(out_path);
    const bool tty = ::isatty(STDERR_FILENO) && !quiet;
    if (tty) {
      eo.progress = [](const Progress& p) {
        const double rate = p.elapsed_seconds > 0 ? p.tree_nodes / p.elapsed_seconds : 0;
        const double frac = p.items_total ? static_cast<double>(p.items_done) / p.items_total : 0;
        const double eta = frac > 0 ? p.elapsed_seconds * (1 - frac) / frac : 0;
        std::fprintf(stderr, "\r%6.2f%%  %s partial machines/s  %s machines covered  ETA %.0f s   ", 100 * frac,
                     human(rate).c_str(), human(to_double(p.machines_covered)).c_str(), eta);
        return true;
      };
    }
    Table t = resume_dir.empty() ? enumerate(eo) : enumerate_resumable(eo, resume_dir, chunks);
    if (tty) std::fprintf(stderr, "\r%80s\r", "");
    write_table(t, out_path);
    if (!quiet) {
      print_summary(t, std::cout);
      std::cout << "written          " << out_path << "\n";
    }
    return 0;
  }
  if (*sm) {
    so.space.validate_sampled();
    if (sm->count("--cutoff") && so.cutoff < 1) throw Error("--cutoff must be at least 1");
    if (so.device < 0) throw Error("--device must be >= 0 (got " + std::to_string(so.device) + ")");
    if (so.backend != "auto" && so.backend != "cpu" && so.backend != "cuda")
      throw Error("unknown backend '" + so.backend + "' (expected auto, cpu or cuda)");
    check_writable(out_path);
    const bool tty = ::isatty(STDERR_FILENO) && !quiet;
    if (tty) {
      so.progress = [](const Progress& p) {  // the CUDA sampler reports between launches
        const double frac = p.items_total ? static_cast<double>(p.items_done) / p.items_total : 0;
        const double eta = frac > 0 ? p.elapsed_seconds * (1 - frac) / frac : 0;
        std::fprintf(stderr, "\r%6.2f%%  %s machines/s  ETA %.0f s   ", 100 * frac,
                     human(p.elapsed_seconds > 0 ? p.items_done / p.elapsed_seconds : 0).c_str(), eta);
        return true;
      };
    }
    const Table t = sample(so);
    if (tty) std::fprintf(stderr, "\r%80s\r", "");
    write_table(t, out_path);
    if (!quiet) {
      print_summary(t, std::cout);
      std::cout << "written          " << out_path << "\n";
    }
    return 0;
  }
  if (*info) {
    print_summary(read_table(file), std::cout);
    return 0;
  }
  if (*ex) {
    if (format != "tsv" && format != "csv") throw Error("unknown format '" + format + "' (expected tsv or csv)");
    export_table(read_table(file), std::cout, format == "csv" ? ',' : '\t');
    return 0;
  }
  if (*b2) {
    int max_rows = 0, max_cols = 0;
    char tail = 0;
    if (std::sscanf(max_block.c_str(), "%dx%d%c", &max_rows, &max_cols, &tail) != 2)
      throw Error("--max '" + max_block + "': expected RxC (e.g. 4x4)");
    const BlockMode mode = parse_block_mode(block_mode);
    check_writable(out_path);
    const Table t = read_table(file);
    const KTable kt = block_k_table(t, max_rows, max_cols, mode);
    const std::string comment = "ctm blocks2d --max " + max_block + " --mode " + block_mode +
                                " " + std::filesystem::path(file).filename().string() + "\n" + kt.source + "\nfrom " +
                                to_string(t.machines) + " machines, H = " + to_string(t.halting) + ", " +
                                std::to_string(t.counts.size()) + " distinct outputs\nkey (rows joined by '-')\tK";
    write_block_table(kt, out_path, comment);
    if (!quiet) std::cout << kt.k.size() << " blocks written to " << out_path << "\n";
    return 0;
  }
  if (*lk) {
    if (is_table_file(file)) {
      const Table t = read_table(file);
      const bool sampled = t.meta.sampling.sampled;
      std::cout << (sampled ? "string\tcount\tD\tK\tD_low95\tD_high95\tK_low95\tK_high95\n" : "string\tcount\tD\tK\n");
      for (const auto& s : strings) {
        std::string key = s;
        // Accept normalised keys (1D only: 2D keys contain '-').
        if (t.count(key) == 0 && t.meta.space.symbols > 2 && t.meta.space.dims == 1) key = normalize_key(s);
        std::printf("%s\t%s\t%.17g\t%.17g", s.c_str(), to_string(t.count(key)).c_str(), t.probability(key), t.complexity(key));
        if (sampled) {
          const Interval d = d_interval(t, key), k = k_interval(t, key);
          std::printf("\t%.6g\t%.6g\t%.6g\t%.6g", d.low, d.high, k.low, k.high);
        }
        std::printf("\n");
      }
    } else {
      const KTable kt = import_k_table(file);
      std::cout << "string\tK\n";
      for (const auto& s : strings) std::printf("%s\t%.17g\n", s.c_str(), kt.lookup(s));
    }
    return 0;
  }
  if (*mc) {
    ms.validate();
    const uint32_t cutoff = m_cutoff ? m_cutoff : standard_cutoff(ms);
    if (cutoff == 0) throw Error("no standard cutoff for space " + ms.name() + ": give one with --cutoff");
    if (ms.machine_count() > 100'000'000'000ull) throw Error("space " + ms.name() + " is too large to list machines (at most (4,2)-sized spaces)");
    for (char c : target)
      if (symbol_value(c) < 0 || symbol_value(c) >= ms.symbols)
        throw Error("string '" + target + "' has symbol '" + std::string(1, c) + "' outside 0.." + std::to_string(ms.symbols - 1));
    // A machine run on blank b is the 0<->b relabelled machine run on blank 0 (spec section 1).
    std::cout << "# machines of " << ms.name() << " producing " << target << " within " << cutoff
              << " steps; --- = never read (any entry), count = machines the row stands for\n# blank\tsteps\tcount\tmachine\n";
    count_t total = 0;
    for (int b = 0; b < ms.symbols; ++b) {
      std::string want = target;
      for (char& ch : want) { const int v = symbol_value(ch); ch = symbol_char(v == b ? 0 : (v == 0 ? b : v)); }
      for_each_halting_leaf(ms, cutoff, [&](const HaltingLeaf& leaf) {
        if (leaf.output != want) return;
        PartialMachine pm = leaf.machine;
        int he = leaf.halt_entry, hw = leaf.halt_write;
        if (b != 0) {
          auto swap = [&](int v) { return v == b ? 0 : (v == 0 ? b : v); };
          PartialMachine r = pm;
          r.defined = 0;
          for (int q = 0; q < pm.n; ++q)
            for (int s = 0; s < pm.k; ++s) {
              const int e = q * pm.k + s;
              if (!is_defined(pm, e)) continue;
              Transition tr = pm.entry[e];
              tr.write = static_cast<uint8_t>(swap(tr.write));
              const int re = q * pm.k + swap(s);
              r.entry[re] = tr;
              r.defined |= 1u << re;
            }
          pm = r;
          he = (he / pm.k) * pm.k + swap(he % pm.k);
          hw = swap(hw);
        }
        total += leaf.weight;
        std::cout << b << "\t" << leaf.steps << "\t" << to_string(leaf.weight) << "\t" << to_standard_text(pm, he, hw) << "\n";
      });
    }
    std::cout << "# total " << to_string(total) << " (machine, blank) runs\n";
    return 0;
  }
  if (*mg) {
    Table t = read_table(inputs.at(0));
    for (size_t i = 1; i < inputs.size(); ++i) t.merge(read_table(inputs[i]));
    t.check_consistency();
    check_writable(out_path);
    write_table(t, out_path);
    print_summary(t, std::cout);
    return 0;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const ctm::Error& e) {
    std::cerr << "ctm: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ctm: error: " << e.what() << "\n";
    return 2;
  }
}
