// Basic types shared by the public API: exact 128-bit counts, the machine space, errors.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ctm {

// Counts are exact integers; (7,2) machine counts exceed 2^64, so everything is 128-bit.
using count_t = unsigned __int128;

std::string to_string(count_t v);
count_t parse_count(const std::string& text);  // throws ctm::Error on anything but decimal digits
double to_double(count_t v);

// Every error the library reports: a message with context, turned into one line by the CLI.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A head move on the tape (the grid adds up and down in its own code).
enum Move : uint8_t { kLeft = 0, kRight = 1 };

struct Space {
  int states = 0;   // n
  int symbols = 2;  // k
  int dims = 1;     // 1 = tape; 2 = grid (turmites, spec section 4)

  int entries() const { return states * symbols; }
  // Options per table entry: k halting + 2nk running (1D) or 4nk running (2D: up, down, left, right).
  int options_per_entry() const { return symbols * ((dims == 2 ? 4 : 2) * states + 1); }
  count_t machine_count() const;  // options^entries
  std::vector<count_t> option_powers() const;  // [i] = options^i, i = 0..entries (the leaf weights)
  std::string name() const;       // "(5,2)"
  void validate() const;          // throws ctm::Error with the offending value; n*k <= 16 (the tree engine)
  // Whole-machine sampling has no entry limit (the tree's masks and counts do not apply): n <= 16,
  // 2 <= k <= 16, so (4,5), (4,6) and (4,9) (20, 24, 36 entries) can be sampled.
  void validate_sampled() const;
};

// The spec's standard cutoff where there is one (Busy Beaver S(n) for n<=4, 500 for (5,2), ...);
// 0 when the spec names none.
uint32_t standard_cutoff(const Space& space);

// Symbol <-> character: '0'..'9' then 'a'..'f'.
char symbol_char(int s);
int symbol_value(char c);  // -1 if not a symbol character

}  // namespace ctm
