// `ctm bdm` (score sequences, arrays and images), `ctm perturb` (perturbation maps) and `ctm acss`
// (acss's functions on short strings): options, TSV/.npy output. Inputs: bdm_inputs.cpp. A bad
// input gets one error line naming it and the position; the rest of the batch is still scored.
#include "bdm_cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bdm_inputs.hpp"
#include "cluster/job.hpp"
#include "ctm/bdm.hpp"

namespace ctm::cli {

namespace {

void parse_block(const std::string& text, BdmOptions& o) {
  try {
    const size_t x = text.find('x');
    size_t used = 0;
    if (x == std::string::npos) {
      o.block_rows = 1;
      o.block_cols = std::stoi(text, &used);
      if (used != text.size()) throw std::invalid_argument(text);
    } else {
      o.block_rows = std::stoi(text.substr(0, x), &used);
      if (used != x) throw std::invalid_argument(text);
      o.block_cols = std::stoi(text.substr(x + 1), &used);
      if (used != text.size() - x - 1) throw std::invalid_argument(text);
    }
  } catch (const std::exception&) {
    throw Error("--block expects L (1D) or RxC (2D), e.g. 12 or 4x4 (got '" + text + "')");
  }
  if (o.block_rows < 1 || o.block_cols < 1) throw Error("--block must be positive (got '" + text + "')");
}

void write_npy(const std::string& path, const std::vector<double>& values, const std::vector<size_t>& shape) {
  std::string dims;
  for (size_t d : shape) dims += std::to_string(d) + ",";
  if (shape.size() > 1) dims.pop_back();
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error("cannot write '" + path + "'");
  out.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  const unsigned char lb[2] = {static_cast<unsigned char>(len & 0xff), static_cast<unsigned char>(len >> 8)};
  out.write(reinterpret_cast<const char*>(lb), 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(double)));
  out.close();  // a full device shows here
  if (out.fail()) throw Error("cannot write '" + printable(path) + "' (device full?)");
}

}  // namespace

struct BdmCommands::State {
  CLI::App* bdm = nullptr;
  CLI::App* perturb = nullptr;
  CLI::App* acss_app = nullptr;
  std::string table_path, block = "12", partition = "ignore", log_base = "2", out_path, function = "acss";
  int symbols = 0, shift = 0, min_length = 2, delta = 0, threads = 0, threshold = -1, span = 5;
  double prior = 0.5;
  bool normalized = false, entropy = false, quiet = false;
  std::vector<std::string> inputs;

  void add_table(CLI::App* c) {
    c->add_option("--table", table_path,
                  "Table: a ctm table file, string,K CSV/TSV (.gz ok) or a shipped one by name: engine-1d (D(5,2) alone), "
                  "engine-2d (the engine's exact (4,2)_2D block table; lacks 5,520 4x4 blocks), pybdm-2d. Default: D(5,2) "
                  "with pybdm's K for the 2 strings it lacks for 1D binary (pybdm's numbers), D(3,3) for k = 3, pybdm's "
                  "4x4 table for 2D (docs/bdm.md)");
    c->add_option("--symbols,-k", symbols, "Alphabet size k (default: the table's, else 2)");
  }
  void add_common(CLI::App* c) {
    add_table(c);
    c->add_option("--block", block, "Block shape: L for sequences (default 12), RxC for 2D arrays (e.g. 4x4)");
    c->add_option("--partition", partition, "ignore | correlated | recursive | periodic | acss");
    c->add_option("--shift", shift, "Window step >= 1 for correlated (default 1) and periodic (default: block size)");
    c->add_option("--min-length", min_length, "Smallest block side for recursive (default 2)");
    c->add_option("--delta", delta, "Window step >= 1 for acss (default: block size)");
    c->add_option("--log-base", log_base, "Multiplicity term log base: 2 (default, pybdm) or alphabet (acss)");
    c->add_option("--threshold", threshold, "Binarise: values >= T become 1, others 0 (greyscale PGM, 0/255 images)");
    c->add_option("--threads,-j", threads, "Threads (0 = all cores)");
  }

  CLI::App* current() const { return bdm->parsed() ? bdm : perturb; }

  BdmOptions options() const {
    BdmOptions o;
    parse_block(block, o);
    o.partition = parse_decomposition(partition);
    // 0 would silently mean "the default": a given step must be a real one.
    if (current()->count("--shift") && shift < 1)
      throw Error("--shift must be >= 1 (got " + std::to_string(shift) + "); leave it out for the default");
    if (current()->count("--delta") && delta < 1)
      throw Error("--delta must be >= 1 (got " + std::to_string(delta) + "); leave it out for the default");
    if (min_length < 1) throw Error("--min-length must be >= 1 (got " + std::to_string(min_length) + ")");
    if (current()->count("--threshold") && (threshold < 1 || threshold > 255))
      throw Error("--threshold must be in 1..255 (got " + std::to_string(threshold) + ")");
    if (threads < 0) throw Error("--threads must be >= 0 (got " + std::to_string(threads) + ")");
    o.shift = shift;
    o.min_length = min_length;
    o.delta = delta;
    if (log_base != "2" && log_base != "alphabet") throw Error("--log-base expects 2 or alphabet (got '" + log_base + "')");
    o.log_alphabet = log_base == "alphabet";
    return o;
  }
  bool two_d() const { return block.find('x') != std::string::npos; }
  BdmTable load_table(bool two) const {
    if (symbols < 0 || symbols == 1 || symbols > 16) throw Error("--symbols must be in 2..16 (got " + std::to_string(symbols) + ")");
    if (table_path.empty()) return BdmTable::load_default(symbols, two);
    const std::string named = BdmTable::named_path(table_path);
    return BdmTable::load(named.empty() ? table_path : named, symbols, two);
  }
  std::string header(const BdmTable& t, const BdmOptions& o) const {
    std::ostringstream h;
    h << "# table: " << t.source() << "\n# block " << block << ", partition " << to_string(o.partition);
    const int block_len = o.block_rows == 1 ? o.block_cols : o.block_rows;
    if (o.partition == Decomposition::correlated) h << ", shift " << (o.shift ? o.shift : 1);
    if (o.partition == Decomposition::periodic) h << ", shift " << (o.shift ? std::to_string(o.shift) : std::to_string(block_len) + " (block)");
    if (o.partition == Decomposition::recursive) h << ", min-length " << o.min_length;
    if (o.partition == Decomposition::acss) h << ", delta " << (o.delta ? o.delta : o.block_cols);
    h << ", k " << t.symbols() << ", multiplicity log base " << log_base << "\n";
    return h.str();
  }

  // One error line for an input; PGM values outside a binary alphabet get a hint.
  static void report(const std::string& name, std::string error) {
    if ((ends_with(name, ".pgm") || ends_with(name, ".npy")) && error.find("outside the alphabet") != std::string::npos)
      error += " (binarise with --threshold T)";
    std::fflush(stdout);
    std::fprintf(stderr, "ctm: error: %s: %s\n", printable(name).c_str(), printable(error).c_str());
  }

  int run_bdm() {
    const BdmOptions o = options();
    const BdmTable table = load_table(two_d());
    BdmScorer probe(table, o);  // checks the options against the table once, before reading
    // Under MPI (docs/cluster.md) each rank scores a contiguous slice of the input files, of about
    // equal bytes, and rank 0 prints every rank's rows in input order. Standard input is rank 0's.
    const cluster::World& w = cluster::world();
    const bool from_stdin = inputs.empty() || std::find(inputs.begin(), inputs.end(), "-") != inputs.end();
    std::vector<std::string> mine = inputs;
    if (w.size > 1) {
      if (from_stdin && !w.root()) return 0;
      if (!from_stdin) {
        std::vector<uint64_t> bytes;
        for (const auto& path : inputs) {
          std::error_code ec;
          const auto size = std::filesystem::file_size(path, ec);
          bytes.push_back(ec ? 0 : static_cast<uint64_t>(size));
        }
        const auto [first, last] = cluster::my_slice(bytes);
        mine.assign(inputs.begin() + static_cast<std::ptrdiff_t>(first), inputs.begin() + static_cast<std::ptrdiff_t>(last));
      }
    }
    const bool gather = w.size > 1 && !from_stdin;
    std::string rows;  // this rank's rows when they are gathered
    std::vector<BdmInput> inputs_read = mine.empty() ? std::vector<BdmInput>{} : read_bdm_inputs(mine, two_d(), threshold);
    const int what = entropy ? (normalized ? 3 : 2) : (normalized ? 1 : 0);
    const char* names[] = {"bdm", "nbdm", "entropy", "normalized_entropy"};
    if (w.root()) std::cout << header(table, o) << "input\t" << names[what] << "\tblocks\timputed\n";
    constexpr size_t chunk = 2048;
    const bool progress = ::isatty(STDERR_FILENO) && !quiet && inputs_read.size() > chunk;
    int failed = 0;
    for (size_t lo = 0; lo < inputs_read.size(); lo += chunk) {
      const size_t hi = std::min(inputs_read.size(), lo + chunk);
      std::vector<SymbolArray> arrays;
      for (size_t i = lo; i < hi; ++i)
        if (inputs_read[i].error.empty()) arrays.push_back(std::move(inputs_read[i].array));
      const std::vector<BatchScore> scores = score_batch(table, o, arrays, what, threads);
      size_t next = 0;
      for (size_t i = lo; i < hi; ++i) {
        const BdmInput& in = inputs_read[i];
        std::string error = in.error;
        if (error.empty()) {
          const BatchScore& s = scores[next++];
          if (s.error.empty()) {
            char row[64];
            std::snprintf(row, sizeof row, "\t%.17g\t%llu\t%llu\n", s.value, static_cast<unsigned long long>(s.result.blocks),
                          static_cast<unsigned long long>(s.result.imputed));
            if (gather) rows += printable(in.name) + row;
            else std::printf("%s%s", printable(in.name).c_str(), row);
            continue;
          }
          error = s.error;
        }
        if (progress) std::fprintf(stderr, "\r\033[K");
        report(in.name, error);
        ++failed;
      }
      if (progress) std::fprintf(stderr, "\r%zu / %zu inputs   %s", hi, inputs_read.size(), hi == inputs_read.size() ? "\n" : "");
    }
    if (gather) {
      // Each rank's failure count on the first line, then its rows.
      const std::vector<std::string> all = cluster::gather_to_root(std::to_string(failed) + "\n" + rows);
      for (size_t r = 0; r < all.size(); ++r) {
        const std::string& part = all[r];
        const size_t eol = part.find('\n');
        if (r > 0) failed += std::stoi(part.substr(0, eol));  // rank 0's own count is `failed` already
        std::fwrite(part.data() + eol + 1, 1, part.size() - eol - 1, stdout);
      }
    }
    std::fflush(stdout);
    return failed ? 1 : 0;
  }

  int run_perturb() {
    const BdmOptions o = options();
    const BdmTable table = load_table(two_d());
    BdmScorer probe(table, o);
    std::vector<BdmInput> in = read_bdm_inputs(inputs, two_d(), threshold);
    const bool npy = ends_with(out_path, ".npy");
    if (npy && in.size() != 1)
      throw Error("--out " + printable(out_path) + ": a .npy map holds one input, got " + std::to_string(in.size()) +
                  " (write TSV for several: one map per input, named in an `input` column)");
    const int k = table.symbols();
    std::ofstream file;
    if (!out_path.empty() && !npy) {
      file.open(out_path);
      if (!file) throw Error("cannot write '" + printable(out_path) + "'");
    }
    std::ostream& out = out_path.empty() ? std::cout : file;
    const bool several = in.size() > 1;
    bool header_done = false;
    int failed = 0;
    for (const BdmInput& item : in) {
      std::vector<double> d;
      try {
        if (!item.error.empty()) throw Error(item.error);
        d = perturbation_deltas(table, o, item.array, threads);
      } catch (const Error& e) {
        if (!several) throw Error(printable(item.name) + ": " + printable(e.what()));
        out.flush();
        report(item.name, e.what());
        ++failed;
        continue;
      }
      const SymbolArray& x = item.array;
      if (npy) {
        // Binary: one delta per cell (the flip), shaped like the input; k > 2: a trailing axis of k.
        std::vector<size_t> shape;
        if (x.two_d) shape = {static_cast<size_t>(x.rows), static_cast<size_t>(x.cols)};
        else shape = {x.size()};
        std::vector<double> values;
        if (k == 2) {
          for (size_t i = 0; i < x.size(); ++i) values.push_back(d[i * 2 + (1 - x.cells[i])]);
        } else {
          values = d;
          shape.push_back(static_cast<size_t>(k));
        }
        write_npy(out_path, values, shape);
        return 0;
      }
      if (!header_done) {
        out << header(table, o) << (several ? "input\t" : "") << (x.two_d ? "row\tcol" : "position") << "\tfrom\tto\tdelta_bdm\n";
        header_done = true;
      }
      const std::string prefix = several ? printable(item.name) + "\t" : "";
      char buf[64];
      for (size_t i = 0; i < x.size(); ++i)
        for (int s = 0; s < k; ++s) {
          if (s == x.cells[i]) continue;
          out << prefix;
          if (x.two_d) out << i / x.cols + 1 << '\t' << i % x.cols + 1; else out << i + 1;
          std::snprintf(buf, sizeof buf, "\t%d\t%d\t%.17g\n", x.cells[i], s, d[i * k + s]);
          out << buf;
        }
    }
    if (file.is_open()) {
      file.close();  // a full device shows here, not in the exit status of a silently short file
      if (file.fail()) throw Error("cannot write '" + printable(out_path) + "' (device full?)");
    }
    return failed ? 1 : 0;
  }

  int run_acss() {
    if (span < 1) throw Error("--span must be >= 1 (got " + std::to_string(span) + ")");
    if (!(prior > 0 && prior < 1)) throw Error("--prior must be in (0, 1)");
    const char* functions[] = {"acss", "local_complexity", "likelihood_d", "likelihood_ratio", "prob_random"};
    int fn = -1;
    for (int i = 0; i < 5; ++i)
      if (function == functions[i]) fn = i;
    if (fn < 0)
      throw Error("unknown --function '" + printable(function) +
                  "' (expected acss, local_complexity, likelihood_d, likelihood_ratio or prob_random)");
    const BdmTable table = load_table(false);
    std::vector<std::pair<std::string, std::string>> strings;  // (name for errors, string)
    if (inputs.empty() || (inputs.size() == 1 && inputs[0] == "-")) {
      for (auto& [line_no, line] : data_lines(std::cin)) strings.emplace_back("stdin:" + std::to_string(line_no), line);
    } else {
      for (const auto& s : inputs) strings.emplace_back(s, s);
    }
    std::cout << "# table: " << table.source() << "\n# k " << table.symbols();
    if (fn == 1) std::cout << ", span " << span;
    if (fn == 4) std::cout << ", prior " << prior;
    const char* columns[] = {"K\tD", "position\tK", "likelihood_d", "likelihood_ratio", "prob_random"};
    std::cout << "\nstring\t" << columns[fn] << "\n";
    int failed = 0;
    for (const auto& [name, s] : strings) {
      try {
        if (s.empty()) throw Error("empty string");
        std::ostringstream row;
        row.precision(17);
        switch (fn) {
          case 0: { const AcssValue v = acss(table, s); row << s << '\t' << v.k << '\t' << v.d << '\n'; break; }
          case 1: {
            const std::vector<double> lc = local_complexity(table, s, span);
            for (size_t i = 0; i < lc.size(); ++i) row << s << '\t' << i + 1 << '\t' << lc[i] << '\n';
            break;
          }
          case 2: row << s << '\t' << likelihood_d(table, s) << '\n'; break;
          case 3: row << s << '\t' << likelihood_ratio(table, s) << '\n'; break;
          default: row << s << '\t' << prob_random(table, s, prior) << '\n'; break;
        }
        std::cout << row.str();
      } catch (const Error& e) {
        std::cout.flush();
        report(name, e.what());
        ++failed;
      }
    }
    std::cout.flush();
    return failed ? 1 : 0;
  }
};

BdmCommands::BdmCommands(CLI::App& app) : s_(std::make_unique<State>()) {
  s_->bdm = app.add_subcommand("bdm", "Block Decomposition Method score of sequences, arrays and images");
  s_->add_common(s_->bdm);
  s_->bdm->add_flag("--normalized", s_->normalized, "Normalised BDM (NBDM), or normalised entropy with --entropy");
  s_->bdm->add_flag("--entropy", s_->entropy, "Block entropy (bits) instead of BDM");
  s_->bdm->add_flag("--quiet,-q", s_->quiet, "No progress line");
  s_->bdm->add_option("inputs", s_->inputs,
                      "Files: lines of symbols, CSV, .npy, .pbm/.pgm; '-' or none = stdin. Text: # lines, a header "
                      "line and trailing blank lines are skipped");

  s_->perturb = app.add_subcommand("perturb", "Perturbation map: BDM change for each cell and each other symbol");
  s_->add_common(s_->perturb);
  s_->perturb->add_option("--out,-o", s_->out_path, "Output file: .npy (float64, one input) or TSV (default: stdout)");
  s_->perturb->add_option("inputs", s_->inputs, "Inputs as for bdm; several give one map each, named in an `input` column");

  s_->acss_app = app.add_subcommand("acss", "acss's functions on short strings: K and D, local complexity, likelihoods");
  s_->add_table(s_->acss_app);
  s_->acss_app->add_option("--function,-f", s_->function,
                           "acss (K and D, default) | local_complexity | likelihood_d | likelihood_ratio | prob_random");
  s_->acss_app->add_option("--span", s_->span, "Window length for local_complexity (default 5)");
  s_->acss_app->add_option("--prior", s_->prior, "Prior P(random) for prob_random (default 0.5)");
  s_->acss_app->add_option("strings", s_->inputs, "Strings of symbols; none or '-' = one per line on stdin");
}

BdmCommands::~BdmCommands() = default;

bool BdmCommands::parsed() const { return s_->bdm->parsed() || s_->perturb->parsed() || s_->acss_app->parsed(); }

int BdmCommands::run() {
  if (s_->bdm->parsed()) return s_->run_bdm();
  if (s_->perturb->parsed()) return s_->run_perturb();
  return s_->run_acss();
}

}  // namespace ctm::cli
