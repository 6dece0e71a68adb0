// cuda_device_description(): name, compute capability, SM count and memory of one device.
#include <cuda_runtime.h>

#include <cstdio>

#include "ctm/types.hpp"
#include "cuda_devices.hpp"

namespace ctm::detail {

std::string cuda_device_description(int device) {
  cudaDeviceProp p{};
  const cudaError_t err = cudaGetDeviceProperties(&p, device);
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw Error("CUDA device " + std::to_string(device) + ": " + cudaGetErrorString(err));
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s (sm_%d%d, %d SMs, %.1f GiB)", p.name, p.major, p.minor, p.multiProcessorCount,
                static_cast<double>(p.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace ctm::detail
