// The table file format (docs/table-format.md): magic, version, JSON metadata, zstd payload, CRC-32.
#include "ctm/table_io.hpp"

#include "ctm/limits.hpp"  // the engine's cutoff limits: a file beyond them was not written by ctm
#include "ctm/output_file.hpp"
#include "ctm/sample.hpp"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace ctm {
namespace {

constexpr char kMagic[8] = {'C', 'T', 'M', 'T', 'A', 'B', 'L', 'E'};
constexpr uint32_t kFormatVersion = 1;

void put_u32(std::string& b, uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>(v >> (8 * i))); }
void put_u64(std::string& b, uint64_t v) { for (int i = 0; i < 8; ++i) b.push_back(static_cast<char>(v >> (8 * i))); }
void put_u128(std::string& b, count_t v) { put_u64(b, static_cast<uint64_t>(v)); put_u64(b, static_cast<uint64_t>(v >> 64)); }

struct Reader {
  const std::string& buf;
  size_t pos = 0;
  std::string what;
  void need(size_t n) {
    if (buf.size() - pos < n) throw Error(what + ": truncated (needs " + std::to_string(n) + " more bytes at offset " + std::to_string(pos) + ")");
  }
  uint64_t u(int bytes) {
    need(bytes);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(buf[pos + i])) << (8 * i);
    pos += bytes;
    return v;
  }
  count_t u128() { const count_t lo = u(8); const count_t hi = u(8); return lo | (hi << 64); }
};

uint32_t crc32_of(const std::string& data, size_t len) {
  return static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(len)));
}

std::string payload_of(const Table& t) {
  std::vector<const std::pair<const std::string, count_t>*> rows;
  for (const auto& row : t.counts) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->first.size() < b->first.size(); });
  std::string b;
  put_u64(b, rows.size());
  for (const auto* row : rows) {
    put_u32(b, static_cast<uint32_t>(row->first.size()));
    b += row->first;
    put_u128(b, row->second);
  }
  put_u64(b, t.halt_time.size());
  for (count_t c : t.halt_time) put_u128(b, c);
  return b;
}

nlohmann::json meta_json(const Table& t, size_t raw_size) {
  const TableMeta& m = t.meta;
  nlohmann::json j = {{"space", {{"states", m.space.states}, {"symbols", m.space.symbols}, {"dims", m.space.dims}}},
          {"cutoff", m.cutoff},
          {"backend", m.backend},
          {"code_version", m.code_version},
          {"wall_seconds", m.wall_seconds},
          {"tree_nodes", m.tree_nodes},
          {"simulated_steps", m.simulated_steps},
          {"shard", {{"index", m.shard_index}, {"count", m.shard_count}, {"covered", m.shards_covered}}},
          {"work_items", {{"done", m.work_items_done}, {"total", m.work_items_total}}},
          {"source", m.source},
          {"machines", to_string(t.machines)},
          {"halting", to_string(t.halting)},
          {"nonhalting_proved", to_string(t.nonhalting_proved)},
          {"nonhalting_cutoff", to_string(t.nonhalting_cutoff)},
          {"distinct_outputs", t.counts.size()},
          {"payload_raw_bytes", raw_size}};
  // Written only when known, so files of producers that do not record them are unchanged.
  if (!m.deciders.empty()) j["deciders"] = m.deciders;
  if (!m.schedule.empty()) j["schedule"] = m.schedule;
  if (m.accounting.recorded) {
    const RunAccounting& a = m.accounting;
    j["accounting"] = {{"steps_branch", a.steps_branch}, {"steps_proved", a.steps_proved},
                       {"steps_cutoff", a.steps_cutoff}, {"cutoff_nodes", a.cutoff_nodes}, {"settled", a.settled}};
    if (!a.proved_steps.empty()) j["accounting"]["proved_steps"] = a.proved_steps;
  }
  // Only sampled tables carry this key, so exact tables are byte-identical to older writers' files.
  if (m.sampling.sampled) {
    nlohmann::json ranges = nlohmann::json::array();
    for (const auto& r : m.sampling.ranges) ranges.push_back({r.start, r.end});
    j["sampling"] = {{"seed", m.sampling.seed}, {"ranges", ranges}};
  }
  return j;
}

// An integer metadata field within [lo, hi], read wide so that 4e9 or -1 cannot wrap.
int64_t checked_int(const nlohmann::json& parent, const char* name, int64_t lo, int64_t hi) {
  const nlohmann::json& v = parent.at(name);
  if (!v.is_number_integer()) throw Error(std::string(name) + " is not an integer (" + v.dump() + ")");
  const bool negative = v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0;
  if (negative || v.get<uint64_t>() < static_cast<uint64_t>(lo) || v.get<uint64_t>() > static_cast<uint64_t>(hi))
    throw Error(std::string(name) + " must be in " + std::to_string(lo) + ".." + std::to_string(hi) + " (got " + v.dump() + ")");
  return v.get<int64_t>();
}

// The metadata of a table as ctm writes it: a space the engine accepts, shards and sampled ranges
// that make sense (the counts are checked against them once the payload is read).
void check_meta(const Table& t) {
  const TableMeta& m = t.meta;
  if (m.sampling.sampled) m.space.validate_sampled(); else m.space.validate();
  for (size_t i = 0; i < m.shards_covered.size(); ++i)
    if (m.shards_covered[i] >= m.shard_count || (i && m.shards_covered[i] <= m.shards_covered[i - 1]))
      throw Error("shard list is not increasing shard indices below " + std::to_string(m.shard_count));
  if (m.sampling.sampled) {
    uint64_t covered = 0;
    for (size_t i = 0; i < m.sampling.ranges.size(); ++i) {
      const SampleRange& r = m.sampling.ranges[i];
      if (r.start >= r.end || (i && r.start < m.sampling.ranges[i - 1].end))
        throw Error("sampled ranges are not increasing, disjoint and non-empty");
      covered += r.end - r.start;
    }
    if (count_t{covered} != t.machines)
      throw Error("sampled ranges cover " + std::to_string(covered) + " machines, not " + to_string(t.machines));
  }
}

// An output key of the table's space: symbols 0..k-1; in 2D, rows of equal length joined by '-'.
void check_key(const std::string& key, const Space& space, const std::string& what) {
  bool ok = !key.empty();
  size_t row = 0, width = 0;
  for (char c : key) {
    if (c == '-' && space.dims == 2) {
      ok = ok && row > 0 && (width == 0 || row == width);
      width = row;
      row = 0;
      continue;
    }
    const int v = symbol_value(c);
    ok = ok && v >= 0 && v < space.symbols;
    ++row;
  }
  ok = ok && row > 0 && (width == 0 || row == width);
  if (!ok) throw Error(what + ": output '" + key + "' is not a key of space " + space.name());
}

}  // namespace

std::string encode_table(const Table& table) {
  const std::string raw = payload_of(table);
  std::string packed(ZSTD_compressBound(raw.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 9);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  const size_t packed_size = ZSTD_compress2(cctx, packed.data(), packed.size(), raw.data(), raw.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(packed_size)) throw Error(std::string("compressing table: ") + ZSTD_getErrorName(packed_size));
  packed.resize(packed_size);

  const std::string json = meta_json(table, raw.size()).dump(1);
  std::string file(kMagic, 8);
  put_u32(file, kFormatVersion);
  put_u32(file, static_cast<uint32_t>(json.size()));
  file += json;
  put_u64(file, packed.size());
  file += packed;
  put_u32(file, crc32_of(file, file.size()));
  return file;
}

void write_table(const Table& table, const std::string& path) {
  write_output_file(path, encode_table(table), "table file");
}

static std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_table_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in && std::memcmp(magic, kMagic, 8) == 0;
}

Table read_table(const std::string& path) { return decode_table(read_file(path), "table file '" + path + "'"); }

Table decode_table(const std::string& file, const std::string& what) {
  if (file.size() < 8 || std::memcmp(file.data(), kMagic, 8) != 0) throw Error(what + ": not a ctm table (bad magic)");
  Reader r{file, 8, what};
  const uint32_t version = static_cast<uint32_t>(r.u(4));
  if (version != kFormatVersion) throw Error(what + ": format version " + std::to_string(version) + " is not supported (this build reads " + std::to_string(kFormatVersion) + ")");
  const uint64_t json_len = r.u(4);
  r.need(json_len);
  const std::string json_text = file.substr(r.pos, json_len);
  r.pos += json_len;
  const uint64_t packed_len = r.u(8);
  r.need(packed_len);
  const size_t packed_at = r.pos;
  r.pos += packed_len;
  const uint32_t stored_crc = static_cast<uint32_t>(r.u(4));
  if (r.pos != file.size()) throw Error(what + ": " + std::to_string(file.size() - r.pos) + " unexpected bytes after the checksum");
  if (crc32_of(file, file.size() - 4) != stored_crc) throw Error(what + ": checksum mismatch (file is corrupt)");

  Table t;
  uint64_t distinct = 0;
  try {
    const nlohmann::json j = nlohmann::json::parse(json_text);
    TableMeta& m = t.meta;
    m.space.states = checked_int(j.at("space"), "states", 1, 16);
    m.space.symbols = checked_int(j.at("space"), "symbols", 2, 16);
    m.space.dims = checked_int(j.at("space"), "dims", 1, 2);
    m.cutoff = checked_int(j, "cutoff", 1, max_cutoff(m.space.dims));
    m.backend = j.at("backend");
    m.code_version = j.at("code_version");
    m.wall_seconds = j.at("wall_seconds");
    m.tree_nodes = j.at("tree_nodes");
    m.simulated_steps = j.at("simulated_steps");
    m.shard_count = checked_int(j.at("shard"), "count", 1, std::numeric_limits<uint32_t>::max());
    m.shard_index = checked_int(j.at("shard"), "index", 0, m.shard_count - 1);
    if (j.at("shard").contains("covered")) m.shards_covered = j.at("shard").at("covered").get<std::vector<uint32_t>>();
    m.work_items_done = j.at("work_items").at("done");
    m.work_items_total = j.at("work_items").at("total");
    m.source = j.at("source");
    t.machines = parse_count(j.at("machines"));
    t.halting = parse_count(j.at("halting"));
    t.nonhalting_proved = parse_count(j.at("nonhalting_proved"));
    t.nonhalting_cutoff = parse_count(j.at("nonhalting_cutoff"));
    distinct = j.at("distinct_outputs").get<uint64_t>();
    if (j.contains("deciders")) m.deciders = j.at("deciders").get<std::vector<std::string>>();  // absent in older files
    if (j.contains("schedule")) m.schedule = j.at("schedule").get<std::map<std::string, uint32_t>>();  // likewise
    if (j.contains("accounting")) {
      const auto& a = j.at("accounting");
      m.accounting.recorded = true;
      m.accounting.steps_branch = a.at("steps_branch").get<uint64_t>();
      m.accounting.steps_proved = a.at("steps_proved").get<uint64_t>();
      m.accounting.steps_cutoff = a.at("steps_cutoff").get<uint64_t>();
      m.accounting.cutoff_nodes = a.at("cutoff_nodes").get<uint64_t>();
      m.accounting.settled = a.at("settled").get<std::map<std::string, uint64_t>>();
      if (a.contains("proved_steps"))  // absent in files written before it was recorded
        m.accounting.proved_steps = a.at("proved_steps").get<std::map<std::string, uint64_t>>();
    }
    if (j.contains("sampling")) {  // absent in exact tables and in files of older versions
      m.sampling.sampled = true;
      m.sampling.seed = j.at("sampling").at("seed").get<uint64_t>();
      for (const auto& r : j.at("sampling").at("ranges"))
        m.sampling.ranges.push_back(SampleRange{r.at(0).get<uint64_t>(), r.at(1).get<uint64_t>()});
    }
    check_meta(t);
  } catch (const nlohmann::json::exception& e) {
    throw Error(what + ": bad metadata (" + e.what() + ")");
  } catch (const Error& e) {
    throw Error(what + ": bad metadata (" + e.what() + ")");
  }

  const unsigned long long raw_size = ZSTD_getFrameContentSize(file.data() + packed_at, packed_len);
  // A zstd block (3-byte header, at least 1 byte) yields at most 128 KiB, so a frame expands at most
  // 32768-fold: a larger declared size is forged, refused before allocating it (tests/test_parsers.cpp).
  if (raw_size == ZSTD_CONTENTSIZE_ERROR || raw_size == ZSTD_CONTENTSIZE_UNKNOWN || raw_size > (1ull << 36) ||
      raw_size / 32768 > packed_len)
    throw Error(what + ": bad compressed payload");
  std::string raw(raw_size, '\0');
  const size_t got = ZSTD_decompress(raw.data(), raw.size(), file.data() + packed_at, packed_len);
  if (ZSTD_isError(got) || got != raw_size) throw Error(what + ": payload does not decompress");
  Reader p{raw, 0, what + " (payload)"};
  const uint64_t rows = p.u(8);
  if (rows != distinct)
    throw Error(what + ": payload has " + std::to_string(rows) + " outputs, metadata says " + std::to_string(distinct));
  for (uint64_t i = 0; i < rows; ++i) {
    const uint64_t len = p.u(4);
    p.need(len);
    std::string s = raw.substr(p.pos, len);
    p.pos += len;
    check_key(s, t.meta.space, what);
    const count_t c = p.u128();
    if (c == 0) throw Error(what + ": output '" + s + "' has count 0");
    if (!t.counts.emplace(s, c).second) throw Error(what + ": output '" + s + "' appears twice");
  }
  const uint64_t hist = p.u(8);
  if (hist != 0 && hist != uint64_t{t.meta.cutoff} + 1)
    throw Error(what + ": halting-time histogram has " + std::to_string(hist) + " bins, not cutoff + 1 = " + std::to_string(t.meta.cutoff + 1ull));
  t.halt_time.resize(hist);
  for (auto& c : t.halt_time) c = p.u128();
  if (p.pos != raw.size()) throw Error(what + ": payload has trailing bytes");
  try {
    t.check_consistency();
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  return t;
}

void export_table(const Table& t, std::ostream& out, char sep, size_t max_length) {
  const TableMeta& m = t.meta;
  const bool sampled = m.sampling.sampled;
  // CSV is plain data for pandas and spreadsheets: the header is the first line and strings are
  // quoted; the metadata comments go to TSV only (and `ctm info`).
  const bool csv = sep == ',';
  if (!csv) {
    out << "# ctm table: space " << m.space.name() << ", cutoff " << m.cutoff << ", backend " << m.backend
        << ", ctm " << m.code_version << "\n";
    out << "# machines " << to_string(t.machines) << ", halting runs H " << to_string(t.halting)
        << ", distinct outputs " << t.counts.size() << ", nonhalting proved " << to_string(t.nonhalting_proved)
        << ", nonhalting cut off " << to_string(t.nonhalting_cutoff) << "\n";
    if (!t.complete()) out << "# partial table: " << (m.shards_covered.empty() ? 1 : m.shards_covered.size()) << " of " << m.shard_count << " shards\n";
    if (sampled) {
      out << "# sampled: seed " << m.sampling.seed << ", machine indices";
      for (const auto& r : m.sampling.ranges) out << " [" << r.start << ", " << r.end << ")";
      out << "; 95% Wilson intervals for D over the H halting runs, K = -log2 D\n";
    }
    if (m.space.dims == 2) out << "# 2D keys: rows of the bounding rectangle, top to bottom, joined by '-'\n";
    if (m.space.dims == 1) {
      const int complete = complete_length(t);
      out << "# every string of length <= " << complete << " occurs";
      if (max_length) out << "; rows: strings of length <= " << max_length;
      out << "\n";
    }
    out << "# ";
  }
  out << "string" << sep << "count" << sep << "K";
  if (sampled) out << sep << "D" << sep << "D_low95" << sep << "D_high95" << sep << "K_low95" << sep << "K_high95";
  out << "\n";
  std::vector<const std::pair<const std::string, count_t>*> rows;
  if (max_length && m.space.dims != 1) throw Error("a maximum string length applies to 1D tables only");
  for (const auto& row : t.counts)
    if (!max_length || row.first.size() <= max_length) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->first.size() < b->first.size(); });
  char kbuf[64];
  for (const auto* row : rows) {
    std::snprintf(kbuf, sizeof kbuf, "%.17g", t.complexity(row->first));
    if (csv) out << '"' << row->first << '"';
    else out << row->first;
    out << sep << to_string(row->second) << sep << kbuf;
    if (sampled) {
      const double d = t.probability(row->first);
      const Interval di = d_interval(t, row->first), ki = k_interval(t, row->first);
      char ebuf[160];
      std::snprintf(ebuf, sizeof ebuf, "%c%.6g%c%.6g%c%.6g%c%.6g%c%.6g", sep, d, sep, di.low, sep, di.high, sep, ki.low, sep, ki.high);
      out << ebuf;
    }
    out << "\n";
  }
}

double KTable::lookup(const std::string& s) const {
  auto it = k.find(s);
  if (it != k.end()) return it->second;
  it = k.find(normalize_key(s));
  return it != k.end() ? it->second : std::numeric_limits<double>::quiet_NaN();
}

KTable import_k_table(const std::string& path) {
  // gzread reads plain files as they are, so one reader serves .csv/.tsv and their .gz forms.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open K table '" + path + "'");
  std::string text;
  char buf[1 << 16];
  int got;
  while ((got = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(got));
  gzclose(f);
  if (got < 0) throw Error("K table '" + path + "' is not readable (bad gzip data)");

  KTable t;
  t.source = path;
  std::istringstream in(text);
  std::string line;
  size_t line_no = 0;
  bool all_normalized = true, header_seen = false;
  size_t k_column = 1;  // K is the second column unless a header names it (ctm export: string,count,K)
  auto split = [](const std::string& row, char sep) {
    std::vector<std::string> fields(1);
    for (char c : row) {
      if (c == sep) fields.emplace_back(); else fields.back() += c;
    }
    for (auto& f : fields)
      if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    return fields;
  };
  auto k_column_of = [&](const std::vector<std::string>& header) {
    for (size_t i = 1; i < header.size(); ++i)
      if (header[i] == "K") return i;
    return size_t{1};
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t cut = line.find_first_of(",\t");
    if (line[0] == '#') {
      // The commented header of `ctm export` TSV: "# string<TAB>count<TAB>K".
      if (t.k.empty() && cut != std::string::npos && line.rfind("# string", 0) == 0) k_column = k_column_of(split(line.substr(2), line[cut]));
      continue;
    }
    if (cut == std::string::npos) throw Error("K table '" + path + "' line " + std::to_string(line_no) + ": expected string,K");
    const std::vector<std::string> fields = split(line, line[cut]);
    const std::string& key = fields[0];
    const std::string value = k_column < fields.size() ? fields[k_column] : std::string();
    char* end = nullptr;
    const double kv = std::strtod(value.c_str(), &end);
    // 2D keys may join rows with '-' (docs/table-format.md): never first, last or doubled.
    const bool symbols_ok = !key.empty() && key.front() != '-' && key.back() != '-' && key.find("--") == std::string::npos &&
                            std::all_of(key.begin(), key.end(), [](char c) { return c == '-' || symbol_value(c) >= 0; });
    if (end == value.c_str() || !symbols_ok) {
      if (t.k.empty() && !header_seen) {  // a header row, before any data
        header_seen = true;
        k_column = k_column_of(fields);
        continue;
      }
      throw Error("K table '" + path + "' line " + std::to_string(line_no) + ": bad row '" + line + "'");
    }
    if (normalize_key(key) != key) all_normalized = false;
    t.k[key] = kv;
  }
  if (t.k.empty()) throw Error("K table '" + path + "' has no rows");
  t.normalized = all_normalized;
  return t;
}

KTable k_table_from(const Table& table) {
  KTable t;
  t.source = "ctm table " + table.meta.space.name() + " cutoff " + std::to_string(table.meta.cutoff);
  for (const auto& [s, c] : table.counts) t.k[s] = table.complexity(s);
  return t;
}

}  // namespace ctm
