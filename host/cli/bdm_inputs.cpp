// Input readers of the BDM commands (bdm_inputs.hpp): symbol lines and CSV, NumPy .npy, PBM/PGM.
// Declared sizes are checked against the bytes the file holds before any allocation, so a forged
// header costs one error line, not the batch; binary data is refused with one line.
#include "bdm_inputs.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <sstream>

namespace ctm::cli {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

namespace {

constexpr const char* kExpected = "expected symbols 0-9, a-f or integers separated by commas";

// One line of symbols: contiguous characters ("010011") or integers separated by commas, spaces or
// tabs ("0,1,1"). Values above 255 are reported here; the alphabet is checked by the scorer.
std::vector<uint8_t> parse_symbols(const std::string& line) {
  std::vector<uint8_t> out;
  if (line.find_first_of(", \t;") == std::string::npos) {
    for (size_t i = 0; i < line.size(); ++i) {
      const int v = symbol_value(line[i]);
      if (v < 0) throw Error("character '" + printable(std::string(1, line[i])) + "' at position " + std::to_string(i + 1) + " is not a symbol");
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
      throw Error("value '" + printable(tok) + "' at position " + std::to_string(field) + " is not a symbol");
    out.push_back(static_cast<uint8_t>(v));
    i = j;
  }
  return out;
}

bool parses(const std::string& line) {
  try {
    parse_symbols(line);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Bytes left in `in` from its current position.
uint64_t bytes_left(std::istream& in) {
  const auto here = in.tellg();
  in.seekg(0, std::ios::end);
  const auto end = in.tellg();
  in.seekg(here);
  return here < 0 || end < here ? 0 : static_cast<uint64_t>(end - here);
}

// a * b, or an error when it overflows or exceeds `limit`.
uint64_t checked_mul(uint64_t a, uint64_t b, uint64_t limit, const std::string& what) {
  if (a != 0 && b > limit / a) throw Error(what);
  return a * b;
}

// Lines of text: one sequence per line (1D) or the rows of one array (2D).
void read_text(std::istream& in, const std::string& name, bool two_d, std::vector<BdmInput>& out) {
  const auto lines = data_lines(in);
  if (lines.empty()) {
    out.push_back({name, {}, "empty input"});
    return;
  }
  if (!two_d) {
    for (const auto& [line_no, line] : lines) {
      BdmInput item;
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
    return;
  }
  std::vector<uint8_t> cells;
  int cols = -1, rows = 0;
  BdmInput item;
  item.name = name;
  try {
    for (const auto& [line_no, line] : lines) {
      if (line.empty() && rows == 0) continue;
      try {
        const std::vector<uint8_t> row = parse_symbols(line);
        if (cols >= 0 && static_cast<int>(row.size()) != cols)
          throw Error("ragged array: " + std::to_string(row.size()) + " values, the first row has " + std::to_string(cols));
        if (row.empty()) throw Error("empty row");
        cols = static_cast<int>(row.size());
        cells.insert(cells.end(), row.begin(), row.end());
        ++rows;
      } catch (const Error& e) {
        throw Error("line " + std::to_string(line_no) + ": " + e.what());
      }
    }
    if (rows == 0) throw Error("empty input");
    item.array = SymbolArray::grid(rows, cols, cells);
  } catch (const Error& e) {
    item.error = e.what();
  }
  out.push_back(std::move(item));
}

// NumPy .npy (format 1.0-3.0): little-endian or byte-sized integer/bool dtypes, C order, 1D or 2D.
void read_npy(const std::string& path, bool two_d, std::vector<BdmInput>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw Error("not a .npy file");
  uint32_t header_len = 0;
  unsigned char b[4] = {0, 0, 0, 0};
  if (!in.read(reinterpret_cast<char*>(b), magic[6] == 1 ? 2 : 4)) throw Error("truncated .npy header");
  header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  if (header_len > bytes_left(in)) throw Error(".npy header of " + std::to_string(header_len) + " bytes is longer than the file");
  std::string header(header_len, ' ');
  if (!in.read(header.data(), header_len)) throw Error("truncated .npy header");
  auto field = [&](const std::string& key) {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) throw Error(".npy header has no '" + key + "'");
    size_t v = header.find(':', k);
    if (v == std::string::npos) throw Error(".npy header has no value for '" + key + "'");
    ++v;
    while (v < header.size() && header[v] == ' ') ++v;
    return header.substr(v);
  };
  std::string descr = field("descr");
  if (descr.size() < 2) throw Error(".npy header has a bad 'descr'");
  descr = descr.substr(1, descr.find('\'', 1) - 1);
  if (field("fortran_order").rfind("True", 0) == 0) throw Error("Fortran-order arrays are not supported (save with C order)");
  std::string shape_text = field("shape");
  shape_text = shape_text.substr(1, shape_text.find(')') - 1);
  std::vector<uint64_t> shape;
  std::stringstream ss(shape_text);
  for (std::string tok; std::getline(ss, tok, ',');) {
    if (tok.find_first_not_of(' ') == std::string::npos) continue;
    char* end = nullptr;
    const unsigned long long d = std::strtoull(tok.c_str(), &end, 10);
    if (end == tok.c_str() || tok.find('-') != std::string::npos) throw Error(".npy header has a bad shape '" + printable(shape_text) + "'");
    shape.push_back(d);
  }
  if (shape.empty() || shape.size() > 2) throw Error("array has " + std::to_string(shape.size()) + " dimensions (expected 1 or 2)");
  if (descr.size() < 3) throw Error("dtype '" + printable(descr) + "' is not a little-endian integer or bool type");
  const char order = descr[0], kind = descr[1];
  const int width = std::atoi(descr.c_str() + 2);
  if ((kind != 'i' && kind != 'u' && kind != 'b') || (width > 1 && order == '>') || (width != 1 && width != 2 && width != 4 && width != 8))
    throw Error("dtype '" + printable(descr) + "' is not a little-endian integer or bool type");
  // Declared size against the bytes present, before allocating anything of that size.
  const uint64_t left = bytes_left(in);
  std::string dims;
  for (uint64_t d : shape) {
    if (!dims.empty()) dims += 'x';
    dims += std::to_string(d);
  }
  const std::string too_big = "shape " + dims + " of " + descr + " needs more data than the file's " + std::to_string(left) + " bytes";
  uint64_t count = 1;
  for (uint64_t d : shape) count = checked_mul(count, d, left, too_big);
  if (checked_mul(count, static_cast<uint64_t>(width), left, too_big) > left) throw Error(too_big);
  if (count == 0) throw Error("empty input");
  for (uint64_t d : shape)
    if (d > static_cast<uint64_t>(std::numeric_limits<int>::max())) throw Error("shape " + dims + " has a side over 2^31 - 1");
  std::vector<unsigned char> raw(count * width);
  if (!in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()))) throw Error("truncated .npy data");
  std::vector<uint8_t> cells(count);
  const uint64_t cols = shape.back();
  for (uint64_t i = 0; i < count; ++i) {
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
  if (shape.size() == 1) {
    if (two_d) throw Error("a 1D array needs a 1D block (e.g. --block 12)");
    out.push_back({path, SymbolArray::sequence(cells), ""});
  } else if (two_d) {
    out.push_back({path, SymbolArray::grid(static_cast<int>(shape[0]), static_cast<int>(shape[1]), cells), ""});
  } else {  // 2D array with a 1D block: each row is one sequence
    for (uint64_t r = 0; r < shape[0]; ++r)
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
  if (magic != "P1" && magic != "P2" && magic != "P4" && magic != "P5")
    throw Error("not a PBM/PGM file (magic '" + printable(magic.substr(0, 8)) + "')");
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
  if (magic == "P4" || magic == "P5") in.get();  // the single whitespace after the header
  // Declared size against the bytes present (a plain pixel takes at least one byte).
  const uint64_t left = bytes_left(in);
  const uint64_t per_row = magic == "P4" ? (static_cast<uint64_t>(w) + 7) / 8
                                         : static_cast<uint64_t>(w) * (magic == "P5" && maxval > 255 ? 2 : 1);
  const std::string too_big = "declares " + std::to_string(w) + "x" + std::to_string(h) + " pixels, more than the file's " +
                              std::to_string(left) + " bytes of pixel data hold";
  if (checked_mul(per_row, static_cast<uint64_t>(h), left, too_big) > left) throw Error(too_big);
  if (w > std::numeric_limits<int>::max() || h > std::numeric_limits<int>::max()) throw Error(too_big);
  std::vector<uint8_t> cells(static_cast<size_t>(w) * h);
  if (magic == "P1" || magic == "P2") {
    for (size_t i = 0; i < cells.size(); ++i) {
      long v;
      if (magic == "P1") {
        char c;
        do { if (!in.get(c)) throw Error("truncated at pixel " + std::to_string(i + 1)); } while (std::isspace(static_cast<unsigned char>(c)));
        if (c != '0' && c != '1') throw Error("bad pixel '" + printable(std::string(1, c)) + "' at pixel " + std::to_string(i + 1));
        v = c - '0';
      } else {
        v = next_int("pixel");
      }
      if (v > 255) throw Error("value " + std::to_string(v) + " at row " + std::to_string(i / w + 1) + ", column " +
                               std::to_string(i % w + 1) + " is not a symbol");
      cells[i] = static_cast<uint8_t>(v);
    }
  } else if (magic == "P4") {
    std::vector<unsigned char> row(per_row);
    for (long r = 0; r < h; ++r) {
      if (!in.read(reinterpret_cast<char*>(row.data()), per_row)) throw Error("truncated at row " + std::to_string(r + 1));
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
  return SymbolArray::grid(static_cast<int>(h), static_cast<int>(w), cells);
}

}  // namespace

std::vector<std::pair<size_t, std::string>> data_lines(std::istream& in) {
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::pair<size_t, std::string>> lines;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    for (size_t i = 0; i < line.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(line[i]);
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        throw Error("not a text file: byte " + printable(std::string(1, line[i])) + " at line " + std::to_string(line_no) +
                    ", position " + std::to_string(i + 1) + " (" + kExpected + ")");
    }
    if (!line.empty() && line[0] == '#') continue;
    if (lines.empty() && !line.empty() && (std::isalpha(static_cast<unsigned char>(line[0])) || line[0] == '"' || line[0] == '\'') &&
        !parses(line))
      continue;  // a CSV header line
    lines.emplace_back(line_no, std::move(line));
  }
  while (!lines.empty() && lines.back().second.find_first_not_of(" \t") == std::string::npos) lines.pop_back();
  return lines;
}

std::vector<BdmInput> read_bdm_inputs(const std::vector<std::string>& paths, bool two_d, int threshold) {
  std::vector<BdmInput> out;
  const std::vector<std::string> list = paths.empty() ? std::vector<std::string>{"-"} : paths;
  for (const std::string& p : list) {
    const size_t first = out.size();
    try {
      if (p == "-") {
        read_text(std::cin, "stdin", two_d, out);
      } else if (ends_with(p, ".npy")) {
        read_npy(p, two_d, out);
      } else if (ends_with(p, ".pbm") || ends_with(p, ".pgm")) {
        if (!two_d) throw Error("an image needs a 2D block (e.g. --block 4x4)");
        out.push_back({p, read_netpbm(p), ""});
      } else {
        std::ifstream in(p, std::ios::binary);
        if (!in) throw Error("cannot open");
        read_text(in, p, two_d, out);
      }
    } catch (const std::exception& e) {  // ctm::Error, or a std:: error of a malformed file
      out.resize(first);
      out.push_back({p, {}, e.what()});
    }
  }
  if (threshold >= 0)
    for (BdmInput& in : out)
      for (uint8_t& c : in.array.cells) c = c >= threshold ? 1 : 0;
  return out;
}

}  // namespace ctm::cli
