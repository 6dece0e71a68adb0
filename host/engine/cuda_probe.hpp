// The error text for "CUDA asked for, none available", shared by the enumerators and the sampler.
// Internal to host/.
#pragma once
#include <string>

namespace ctm::detail {

// "backend 'cuda' requested but no CUDA device was found; use --backend cpu or auto" (or: this build
// has no CUDA support); the CUDA error is named only when it is not a plain absence of driver/device.
std::string no_cuda_device_message();

}  // namespace ctm::detail
