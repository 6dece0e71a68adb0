// Descriptions of the CUDA devices present (kernels/devices.cu), for `ctm bench`'s machine record.
// Plain C++: host code includes it without nvcc; only a CUDA build defines the function.
#pragma once
#include <string>

namespace ctm::detail {

// "NVIDIA H200 (sm_90, 132 SMs, 139.8 GiB)"; throws ctm::Error for a device that does not exist.
std::string cuda_device_description(int device);

}  // namespace ctm::detail
