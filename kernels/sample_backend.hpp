// The sampler's backends behind sample() (host/engine/sample.cpp): the CPU threads, and the device pipeline
// that the CUDA sampler and its host emulation (tests/test_device_sample.cpp) share. Internal to
// host/, kernels/ and tests/.
#pragma once
#include <cstdint>
#include <functional>

#include "ctm/sample.hpp"
#include "cuda_backend.hpp"

namespace ctm::detail {

// Samples [start, start + machines) of cfg's seed on a device (or its emulation).
using DeviceSampler = std::function<DeviceLeaves(const SampleConfig& cfg, uint64_t start, uint64_t machines,
                                                 const DeviceProgressFn& progress)>;

// The CPU sampler (std::threads over blocks of machines). `cutoff` already resolved and checked.
Table sample_cpu(const SampleOptions& opt, uint32_t cutoff);
// The device pipeline: `run` over the whole range, then its leaves decoded into the same table the
// CPU sampler writes (backend name aside). `cutoff` already resolved and checked.
Table sample_device(const SampleOptions& opt, uint32_t cutoff, const DeviceSampler& run, const char* backend);

}  // namespace ctm::detail
