// Internal limits and polling intervals of the walks, in one place (CTM_HD code includes it too).
#pragma once
#include <cstdint>

namespace ctm {

// A walk polls its cancel flag when (nodes & mask) == 0. On the CPU the flag is an atomic in host
// memory; on the device it is the histogram's error word in global memory, read by every thread, so
// it is polled more often there (a full histogram must stop the warps soon, not after 4096 nodes).
constexpr uint64_t kHostCancelPollMask = 0xfff;   // every 4096 nodes
constexpr uint64_t kDeviceCancelPollMask = 0x3ff;  // every 1024 nodes

}  // namespace ctm
