// A frontier work item of the tree in geometry Geo (geometry.hpp): what the host frontier hands to a
// walker (the CPU threads or the device walk). Internal to host/, kernels/ and tests/.
#pragma once
#include <vector>

#include "core/geometry.hpp"
#include "ctm/types.hpp"

namespace ctm {

// A frontier work item: a partial machine whose run stopped at an undefined entry.
template <class Geo>
struct WorkItemOf {
  PartialMachine machine;
  typename Geo::Run run;
  count_t multiplicity;        // state-relabelling weight of this node
  std::vector<uint8_t> cells;  // the visited cells, flat (Geo::save: 1D lo..hi, 2D the box row-major)
};

using WorkItem = WorkItemOf<Tape1d>;
using WorkItem2d = WorkItemOf<Grid2d>;

}  // namespace ctm
