// A frontier work item of the 1D tree: what the host frontier hands to a walker (the CPU threads
// or the device walk). Internal to host/, kernels/ and tests/.
#pragma once
#include <vector>

#include "core/tm.hpp"
#include "ctm/types.hpp"

namespace ctm {

// A frontier work item: a partial machine whose run stopped at an undefined entry.
struct WorkItem {
  PartialMachine machine;
  RunState run;
  count_t multiplicity;             // state-relabelling weight of this node
  std::vector<uint8_t> tape;        // cells run.lo..run.hi
};

}  // namespace ctm
