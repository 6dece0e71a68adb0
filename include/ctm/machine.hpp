// Whole machines: the official numbering, the Busy Beaver standard text format, and a naive
// simulator and brute-force enumerator that share no code with the tree engine (the oracle's oracle).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ctm/table.hpp"

namespace ctm {

struct PartialMachine;  // a node of the enumeration tree (internal: kernels/core/tm.hpp)

struct MachineEntry {
  bool defined = false;
  bool halt = false;
  int write = 0;
  int move = kRight;  // Move; ignored for halting entries (a halting transition does not move)
  int next = 0;       // 0-based state
};

struct Machine {
  Space space;
  std::vector<MachineEntry> entries;  // index state*k + symbol
};

// The official simulator's numbering (spec section 3): base B = k(2n+1), least significant digit
// first, filling entries (n-1,0), (n-1,1), ..., (0,k-1) (0-based states).
Machine decode_machine_number(const Space& space, count_t number);

// "1RB1LB_1LA1RZ": per state, the entries for symbols 0..k-1 as <write><L|R><next state letter>;
// halting entries use the letter Z and R as the (unused) move; undefined entries are "---".
std::string to_standard_text(const Machine& m);
std::string to_standard_text(const PartialMachine& m, int halt_entry = -1, int halt_write = 0);
Machine parse_standard_text(const std::string& text, int symbols);

// Runs a whole machine from a blank tape. Returns the output if it halts within `cutoff` steps.
std::optional<std::string> simulate_naive(const Machine& m, int blank, uint32_t cutoff, uint32_t* steps = nullptr);

// 2D (spec section 4): move is a Move2d (tm2d.hpp); the output key is the bounding rectangle's rows
// joined by '-' (grid_key.hpp). Simulated on a std::map grid, sharing no code with tm2d.hpp.
std::optional<std::string> simulate_naive_2d(const Machine& m, int blank, uint32_t cutoff, uint32_t* steps = nullptr);

// Machine number i of a space, digit e (base k(2n+1) or k(4n+1)) for entry e = state*k + symbol,
// least significant first; a digit r < k halts writing r, else r -= k: write r % k, then move
// (r / k) % moves, next state r / (k * moves) (moves = 2: L,R or 4: U,D,L,R).
Machine decode_machine_digits(const Space& space, count_t number);
// One digit of that numbering: the entry that option r (0 <= r < k(2n+1) or k(4n+1)) stands for.
MachineEntry decode_entry_option(const Space& space, int r);

// Every machine of the space (1D or 2D) on every blank symbol, one by one. Only for tiny spaces: throws when
// the space has more than `max_machines` machines. Non-halting runs are all counted as cut off.
Table enumerate_bruteforce(const Space& space, uint32_t cutoff, uint64_t max_machines = 50'000'000);

}  // namespace ctm
