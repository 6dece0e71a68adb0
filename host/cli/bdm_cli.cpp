// `ctm bdm` (score sequences, arrays and images) and `ctm perturb` (perturbation maps): input
// readers for symbol lines, CSV, NumPy .npy and PBM/PGM, and TSV/.npy output. A bad input gets one
// error line naming it and the position; the rest of the batch is still scored.
#include "bdm_cli.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "ctm/bdm.hpp"

namespace ctm::cli {

namespace {

struct Input {
  std::string name;
  SymbolArray array;
  std::string error;  // set when reading failed; the input is reported and skipped
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One line of symbols: contiguous characters ("010011") or integers separated by commas, spaces or
// tabs ("0,1,1"). Values above 255 are reported here; the alphabet is checked by the scorer.
std::vector<uint8_t> parse_symbols(const std::string& line) {
  std::vector<uint8_t> out;
  if (line.find_first_of(", \t;") == std::string::npos) {
    for (size_t i = 0; i < line.size(); ++i) {
      const int v = symbol_value(line[i]);
      if (v < 0) throw Error("character '" + std::string(1, line[i]) + "' at position " + std::to_string(i + 1) + " is not a symbol");
      out.push_back(static_cast<uint8_t>(v));
    }
    return out;
  }
  size_t i = 0, field = 0;
  while (i < line.size()) {
    while (i < line.size() && std::strchr(", \t;", line[i])) ++i;
    if (i >= line.size()) break;
    size_t j = i;
    while (j < line.size() && !std::strchr(", \t;", line[j])) ++j;
    ++field;
    const std::string tok = line.substr(i, j - i);
    char* end = nullptr;
    const long v = std::strtol(tok.c_str(), &end, 10);
    if (end == tok.c_str() || *end || v < 0 || v > 255)
      throw Error("value '" + tok + "' at position " + std::to_string(field) + " is not a symbol");
    out.push_back(static_cast<uint8_t>(v));
    i = j;
  }
  return out;
}

// Lines of text: one sequence per line (1D) or the rows of one array (2D).
void read_text(std::istream& in, const std::string& name, bool two_d, std::vector<Input>& out) {
  std::string line;
  size_t line_no = 0;
  std::vector<uint8_t> cells;
  int cols = -1, rows = 0;
  std::string grid_error;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (two_d) {
      if (!grid_error.empty() || (line.empty() && rows == 0)) continue;
      try {
        const std::vector<uint8_t> row = parse_symbols(line);
        if (cols >= 0 && static_cast<int>(row.size()) != cols)
          throw Error("ragged array: " + std::to_string(row.size()) + " values, the first row has " + std::to_string(cols));
        if (row.empty()) throw Error("empty row");
        cols = static_cast<int>(row.size());
        cells.insert(cells.end(), row.begin(), row.end());
        ++rows;
      } catch (const Error& e) {
        grid_error = "line " + std::to_string(line_no) + ": " + e.what();
      }
      continue;
    }
    Input item;
    item.name = name + ":" + std::to_string(line_no);
    try {
      const std::vector<uint8_t> v = parse_symbols(line);
      if (v.empty()) throw Error("empty input");
      item.array = SymbolArray::sequence(v);
    } catch (const Error& e) {
      item.error = e.what();
    }
    out.push_back(std::move(item));
  }
  if (two_d) {
    Input item;
    item.name = name;
    if (!grid_error.empty()) item.error = grid_error;
    else if (rows == 0) item.error = "empty input";
    else item.array = SymbolArray::grid(rows, cols, cells);
    out.push_back(std::move(item));
  } else if (line_no == 0) {
    out.push_back({name, {}, "empty input"});
  }
}

// NumPy .npy (format 1.0-3.0): little-endian or byte-sized integer/bool dtypes, C order, 1D or 2D.
void read_npy(const std::string& path, bool two_d, std::vector<Input>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw Error("not a .npy file");
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  std::string header(header_len, ' ');
  if (!in.read(header.data(), header_len)) throw Error("truncated .npy header");
  auto field = [&](const std::string& key) {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) throw Error(".npy header has no '" + key + "'");
    size_t v = header.find(':', k) + 1;
    while (v < header.size() && header[v] == ' ') ++v;
    return header.substr(v);
  };
  std::string descr = field("descr");
  descr = descr.substr(1, descr.find('\'', 1) - 1);
  if (field("fortran_order").rfind("True", 0) == 0) throw Error("Fortran-order arrays are not supported (save with C order)");
  std::string shape_text = field("shape");
  shape_text = shape_text.substr(1, shape_text.find(')') - 1);
  std::vector<size_t> shape;
  for (const std::string& tok : [&] {
         std::vector<std::string> t;
         std::stringstream ss(shape_text);
         std::string x;
         while (std::getline(ss, x, ',')) if (x.find_first_not_of(' ') != std::string::npos) t.push_back(x);
         return t;
       }())
    shape.push_back(std::stoull(tok));
  if (shape.empty() || shape.size() > 2) throw Error("array has " + std::to_string(shape.size()) + " dimensions (expected 1 or 2)");
  const char order = descr[0], kind = descr[1];
  const int width = std::stoi(descr.substr(2));
  if ((kind != 'i' && kind != 'u' && kind != 'b') || (width > 1 && order == '>') || (width != 1 && width != 2 && width != 4 && width != 8))
    throw Error("dtype '" + descr + "' is not a little-endian integer or bool type");
  size_t count = 1;
  for (size_t d : shape) count *= d;
  std::vector<unsigned char> raw(count * width);
  if (!in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()))) throw Error("truncated .npy data");
  std::vector<uint8_t> cells(count);
  const size_t cols = shape.back();
  for (size_t i = 0; i < count; ++i) {
    int64_t v = 0;
    std::memcpy(&v, raw.data() + i * width, width);
    if (kind == 'i' && width < 8 && (v >> (8 * width - 1)) & 1) v -= int64_t{1} << (8 * width);  // sign extend
    if (v < 0 || v > 255) {
      const std::string where = shape.size() == 2 ? "row " + std::to_string(i / cols + 1) + ", column " + std::to_string(i % cols + 1)
                                                  : "position " + std::to_string(i + 1);
      throw Error("value " + std::to_string(v) + " at " + where + " is not a symbol");
    }
    cells[i] = static_cast<uint8_t>(v);
  }
  if (count == 0) throw Error("empty input");
  if (shape.size() == 1) {
    if (two_d) throw Error("a 1D array needs a 1D block (e.g. --block 12)");
    out.push_back({path, SymbolArray::sequence(cells), ""});
  } else if (two_d) {
    out.push_back({path, SymbolArray::grid(static_cast<int>(shape[0]), static_cast<int>(shape[1]), cells), ""});
  } else {  // 2D array with a 1D block: each row is one sequence
    for (size_t r = 0; r < shape[0]; ++r)
      out.push_back({path + ":" + std::to_string(r + 1),
                     SymbolArray::sequence(std::vector<uint8_t>(cells.begin() + r * cols, cells.begin() + (r + 1) * cols)), ""});
  }
}

// PBM/PGM, plain (P1/P2) and raw (P4/P5). Pixel values are the symbols (PBM: 1 = black).
SymbolArray read_netpbm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open");
  std::string magic;
  in >> magic;
  if (magic != "P1" && magic != "P2" && magic != "P4" && magic != "P5") throw Error("not a PBM/PGM file (magic '" + magic + "')");
  auto next_int = [&](const char* what) {
    while (true) {
      in >> std::ws;
      if (in.peek() == '#') { std::string c; std::getline(in, c); continue; }
      long v;
      if (!(in >> v) || v < 0) throw Error(std::string("bad or missing ") + what);
      return v;
    }
  };
  const long w = next_int("width"), h = next_int("height");
  const bool bitmap = magic == "P1" || magic == "P4";
  const long maxval = bitmap ? 1 : next_int("maxval");
  if (w <= 0 || h <= 0) throw Error("empty input");
  std::vector<uint8_t> cells(static_cast<size_t>(w) * h);
  if (magic == "P1" || magic == "P2") {
    for (size_t i = 0; i < cells.size(); ++i) {
      long v;
      if (magic == "P1") {
        char c;
        do { if (!in.get(c)) throw Error("truncated at pixel " + std::to_string(i + 1)); } while (std::isspace(static_cast<unsigned char>(c)));
        if (c != '0' && c != '1') throw Error("bad pixel '" + std::string(1, c) + "' at pixel " + std::to_string(i + 1));
        v = c - '0';
      } else {
        v = next_int("pixel");
      }
      if (v > 255) throw Error("value " + std::to_string(v) + " at row " + std::to_string(i / w + 1) + ", column " +
                               std::to_string(i % w + 1) + " is not a symbol");
      cells[i] = static_cast<uint8_t>(v);
    }
  } else {
    in.get();  // the single whitespace after the header
    if (magic == "P4") {
      const size_t row_bytes = (w + 7) / 8;
      std::vector<unsigned char> row(row_bytes);
      for (long r = 0; r < h; ++r) {
        if (!in.read(reinterpret_cast<char*>(row.data()), row_bytes)) throw Error("truncated at row " + std::to_string(r + 1));
        for (long c = 0; c < w; ++c) cells[r * w + c] = (row[c / 8] >> (7 - c % 8)) & 1;
      }
    } else {
      const int bytes = maxval > 255 ? 2 : 1;
      std::vector<unsigned char> raw(cells.size() * bytes);
      if (!in.read(reinterpret_cast<char*>(raw.data()), raw.size())) throw Error("truncated pixel data");
      for (size_t i = 0; i < cells.size(); ++i) {
        const int v = bytes == 1 ? raw[i] : (raw[2 * i] << 8 | raw[2 * i + 1]);
        if (v > 255) throw Error("value " + std::to_string(v) + " at row " + std::to_string(i / w + 1) + " is not a symbol");
        cells[i] = static_cast<uint8_t>(v);
      }
    }
  }
  return SymbolArray::grid(static_cast<int>(h), static_cast<int>(w), cells);
}

std::vector<Input> read_inputs(const std::vector<std::string>& paths, bool two_d) {
  std::vector<Input> out;
  const std::vector<std::string> list = paths.empty() ? std::vector<std::string>{"-"} : paths;
  for (const std::string& p : list) {
    try {
      if (p == "-") {
        read_text(std::cin, "stdin", two_d, out);
      } else if (ends_with(p, ".npy")) {
        read_npy(p, two_d, out);
      } else if (ends_with(p, ".pbm") || ends_with(p, ".pgm")) {
        if (!two_d) throw Error("an image needs a 2D block (e.g. --block 4x4)");
        out.push_back({p, read_netpbm(p), ""});
      } else {
        std::ifstream in(p);
        if (!in) throw Error("cannot open");
        read_text(in, p, two_d, out);
      }
    } catch (const Error& e) {
      out.push_back({p, {}, e.what()});
    }
  }
  return out;
}

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
  if (!out) throw Error("cannot write '" + path + "'");
}

}  // namespace

struct BdmCommands::State {
  CLI::App* bdm = nullptr;
  CLI::App* perturb = nullptr;
  std::string table_path, block = "12", partition = "ignore", log_base = "2", out_path;
  int symbols = 2, shift = 0, min_length = 2, delta = 0, threads = 0;
  bool normalized = false, entropy = false, quiet = false;
  std::vector<std::string> inputs;

  void add_common(CLI::App* c) {
    c->add_option("--table", table_path, "ctm table file or string,K CSV/TSV (.gz ok); default: see docs/bdm.md");
    c->add_option("--block", block, "Block shape: L for sequences (default 12), RxC for 2D arrays (e.g. 4x4)");
    c->add_option("--partition", partition, "ignore | correlated | recursive | periodic | acss");
    c->add_option("--shift", shift, "Window step for correlated (default 1) and periodic (default: block size)");
    c->add_option("--min-length", min_length, "Smallest block side for recursive (default 2)");
    c->add_option("--delta", delta, "Window step for acss (default: block size)");
    c->add_option("--symbols,-k", symbols, "Alphabet size k (default 2)");
    c->add_option("--log-base", log_base, "Multiplicity term log base: 2 (default, pybdm) or alphabet (acss)");
    c->add_option("--threads,-j", threads, "Threads (0 = all cores)");
  }

  BdmOptions options() const {
    BdmOptions o;
    parse_block(block, o);
    o.partition = parse_decomposition(partition);
    o.shift = shift;
    o.min_length = min_length;
    o.delta = delta;
    if (log_base != "2" && log_base != "alphabet") throw Error("--log-base expects 2 or alphabet (got '" + log_base + "')");
    o.log_alphabet = log_base == "alphabet";
    return o;
  }
  bool two_d() const { return block.find('x') != std::string::npos; }
  BdmTable load_table() const {
    const std::string path = table_path.empty() ? BdmTable::default_path(symbols, two_d()) : table_path;
    return BdmTable::load(path, symbols, two_d());
  }
  std::string header(const BdmTable& t, const BdmOptions& o) const {
    std::ostringstream h;
    h << "# table: " << t.source() << "\n# block " << block << ", partition " << to_string(o.partition);
    if (o.partition == Decomposition::correlated || o.partition == Decomposition::periodic) h << ", shift " << o.shift;
    if (o.partition == Decomposition::recursive) h << ", min-length " << o.min_length;
    if (o.partition == Decomposition::acss) h << ", delta " << o.delta;
    h << ", k " << t.symbols() << ", multiplicity log base " << log_base << "\n";
    return h.str();
  }

  int run_bdm() {
    const BdmOptions o = options();
    const BdmTable table = load_table();
    BdmScorer probe(table, o);  // checks the options against the table once, before reading
    std::vector<Input> inputs_read = read_inputs(inputs, two_d());
    const int what = entropy ? (normalized ? 3 : 2) : (normalized ? 1 : 0);
    const char* names[] = {"bdm", "nbdm", "entropy", "normalized_entropy"};
    std::cout << header(table, o) << "input\t" << names[what] << "\tblocks\timputed\n";
    const bool progress = ::isatty(STDERR_FILENO) && !quiet && inputs_read.size() > 20000;
    int failed = 0;
    constexpr size_t chunk = 1 << 14;
    for (size_t lo = 0; lo < inputs_read.size(); lo += chunk) {
      const size_t hi = std::min(inputs_read.size(), lo + chunk);
      std::vector<SymbolArray> arrays;
      std::vector<size_t> index;
      for (size_t i = lo; i < hi; ++i)
        if (inputs_read[i].error.empty()) { arrays.push_back(std::move(inputs_read[i].array)); index.push_back(i); }
      const std::vector<BatchScore> scores = score_batch(table, o, arrays, what, threads);
      size_t next = 0;
      for (size_t i = lo; i < hi; ++i) {
        const Input& in = inputs_read[i];
        std::string error = in.error;
        if (error.empty()) {
          const BatchScore& s = scores[next++];
          if (s.error.empty()) {
            std::printf("%s\t%.17g\t%llu\t%llu\n", in.name.c_str(), s.value, static_cast<unsigned long long>(s.result.blocks),
                        static_cast<unsigned long long>(s.result.imputed));
            continue;
          }
          error = s.error;
        }
        std::fflush(stdout);
        std::fprintf(stderr, "ctm: error: %s: %s\n", in.name.c_str(), error.c_str());
        ++failed;
      }
      if (progress) std::fprintf(stderr, "\r%zu / %zu inputs   %s", hi, inputs_read.size(), hi == inputs_read.size() ? "\n" : "");
    }
    std::fflush(stdout);
    return failed ? 1 : 0;
  }

  int run_perturb() {
    const BdmOptions o = options();
    const BdmTable table = load_table();
    std::vector<Input> in = read_inputs(inputs, two_d());
    if (in.size() != 1) throw Error("ctm perturb takes exactly one input (got " + std::to_string(in.size()) + ")");
    if (!in[0].error.empty()) throw Error(in[0].name + ": " + in[0].error);
    const SymbolArray& x = in[0].array;
    std::vector<double> d;
    try {
      d = perturbation_deltas(table, o, x, threads);
    } catch (const Error& e) {
      throw Error(in[0].name + ": " + e.what());
    }
    const int k = table.symbols();
    if (ends_with(out_path, ".npy")) {
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
    std::ofstream file;
    if (!out_path.empty()) {
      file.open(out_path);
      if (!file) throw Error("cannot write '" + out_path + "'");
    }
    std::ostream& out = out_path.empty() ? std::cout : file;
    out << header(table, o) << (x.two_d ? "row\tcol" : "position") << "\tfrom\tto\tdelta_bdm\n";
    char buf[64];
    for (size_t i = 0; i < x.size(); ++i)
      for (int s = 0; s < k; ++s) {
        if (s == x.cells[i]) continue;
        if (x.two_d) out << i / x.cols + 1 << '\t' << i % x.cols + 1; else out << i + 1;
        std::snprintf(buf, sizeof buf, "\t%d\t%d\t%.17g\n", x.cells[i], s, d[i * k + s]);
        out << buf;
      }
    return 0;
  }
};

BdmCommands::BdmCommands(CLI::App& app) : s_(std::make_unique<State>()) {
  s_->bdm = app.add_subcommand("bdm", "Block Decomposition Method score of sequences, arrays and images");
  s_->add_common(s_->bdm);
  s_->bdm->add_flag("--normalized", s_->normalized, "Normalised BDM (NBDM), or normalised entropy with --entropy");
  s_->bdm->add_flag("--entropy", s_->entropy, "Block entropy (bits) instead of BDM");
  s_->bdm->add_flag("--quiet,-q", s_->quiet, "No progress line");
  s_->bdm->add_option("inputs", s_->inputs, "Files: lines of symbols, CSV, .npy, .pbm/.pgm; '-' or none = stdin");

  s_->perturb = app.add_subcommand("perturb", "Perturbation map: BDM change for each cell and each other symbol");
  s_->add_common(s_->perturb);
  s_->perturb->add_option("--out,-o", s_->out_path, "Output file: .npy (float64) or TSV (default: stdout)");
  s_->perturb->add_option("inputs", s_->inputs, "One input (file or '-' for the first line/array on stdin)");
}

BdmCommands::~BdmCommands() = default;

bool BdmCommands::parsed() const { return s_->bdm->parsed() || s_->perturb->parsed(); }

int BdmCommands::run() { return s_->bdm->parsed() ? s_->run_bdm() : s_->run_perturb(); }

}  // namespace ctm::cli
