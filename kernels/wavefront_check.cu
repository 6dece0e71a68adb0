// Compiles the wavefront's lane body (kernels/core/wavefront.hpp) for the device: one thread runs
// one node from the blank tape on a bit-packed tape in its own registers / local memory and makes
// its first child. Not launched by the backend yet (issue 10, point 1: the launch code is to come).
#include "core/wavefront.hpp"

namespace ctm {

// Tapes of 32 words: k=2 up to T=509, k<=4 up to T=253 (WaveTape::fits).
__global__ void wavefront_run_nodes_kernel(const WaveNode* d_nodes, uint32_t count, uint32_t cutoff, WaveProofs proofs,
                                           NodeRun* d_runs, WaveNode* d_first_children) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  WaveTape<32> tape;
  WaveScratch<32> scratch;
  const NodeRun r = run_node(d_nodes[i], cutoff, proofs, tape, &scratch);
  d_runs[i] = r;
  if (r.stop == static_cast<uint8_t>(StopReason::kUndefined) && !last_free_entry(d_nodes[i]))
    d_first_children[i] = make_child(d_nodes[i], r.entry, 0, r.steps);
}

}  // namespace ctm
