// Counts, spaces and symbols (see include/ctm/types.hpp).
#include "ctm/types.hpp"

#include <algorithm>

namespace ctm {

std::string to_string(count_t v) {
  if (v == 0) return "0";
  std::string s;
  while (v) { s.push_back(static_cast<char>('0' + static_cast<int>(v % 10))); v /= 10; }
  std::reverse(s.begin(), s.end());
  return s;
}

count_t parse_count(const std::string& text) {
  if (text.empty() || text.size() > 39) throw Error("not a count: '" + text + "'");
  count_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') throw Error("not a count: '" + text + "'");
    const count_t next = v * 10 + static_cast<count_t>(c - '0');
    if (next / 10 != v) throw Error("count out of range: '" + text + "'");
    v = next;
  }
  return v;
}

double to_double(count_t v) {
  return static_cast<double>(static_cast<uint64_t>(v >> 64)) * 18446744073709551616.0 +
         static_cast<double>(static_cast<uint64_t>(v));
}

count_t Space::machine_count() const { return option_powers().back(); }

std::vector<count_t> Space::option_powers() const {
  std::vector<count_t> pow(entries() + 1, 1);
  for (int i = 1; i <= entries(); ++i) pow[i] = pow[i - 1] * static_cast<count_t>(options_per_entry());
  return pow;
}

std::string Space::name() const {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "(" + std::to_string(...).
  std::string s("(");
  s += std::to_string(states);
  s += ',';
  s += std::to_string(symbols);
  s += dims == 2 ? ")_2D" : ")";
  return s;
}

void Space::validate_sampled() const {
  if (states < 1) throw Error("states must be at least 1 (got " + std::to_string(states) + ")");
  if (states > 16) throw Error("states must be at most 16 (got " + std::to_string(states) + ")");
  if (symbols < 2) throw Error("symbols must be at least 2 (got " + std::to_string(symbols) + ")");
  if (symbols > 16) throw Error("symbols must be at most 16 (got " + std::to_string(symbols) + ")");
  if (dims != 1 && dims != 2) throw Error("dims must be 1 or 2 (got " + std::to_string(dims) + ")");
}

void Space::validate() const {
  validate_sampled();
  if (states * symbols > 16)
    throw Error("states*symbols must be at most 16 table entries (got " + std::to_string(states) + "*" +
                std::to_string(symbols) + " = " + std::to_string(states * symbols) + ")");
}

uint32_t standard_cutoff(const Space& space) {
  if (space.dims != 1) return 0;
  if (space.symbols == 2) {
    static const uint32_t busy_beaver_steps[] = {0, 1, 6, 21, 107, 500};
    if (space.states >= 1 && space.states <= 5) return busy_beaver_steps[space.states];
    return 0;
  }
  if (space.states == 4 && (space.symbols == 4 || space.symbols == 5 || space.symbols == 6)) return 2000;
  if (space.states == 4 && space.symbols == 9) return 4000;
  return 0;
}

char symbol_char(int s) { return static_cast<char>(s < 10 ? '0' + s : 'a' + (s - 10)); }

int symbol_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace ctm
