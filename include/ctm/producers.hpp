// Which machines produce a string (ctm machines): every (machine, blank) run of a small 1D space
// whose output is the string, read off the tree's halting leaves.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "ctm/types.hpp"

namespace ctm {

struct ProducingRun {
  int blank;            // the blank symbol the machine runs on
  uint32_t steps;       // its halting step
  count_t weight;       // full machines the row stands for (entries never read are free)
  std::string machine;  // Busy Beaver standard text, `---` for entries never read
};

// Calls visit for every leaf producing `target` on each blank (a machine run on blank b is the
// 0<->b relabelled machine run on blank 0: spec section 1) and returns the total weight. cutoff 0 =
// the standard cutoff. Throws ctm::Error for a space over (4,2) size, no standard cutoff, or a
// string with symbols outside 0..k-1.
count_t for_each_producing_run(const Space& space, uint32_t cutoff, const std::string& target,
                               const std::function<void(const ProducingRun&)>& visit);

}  // namespace ctm
