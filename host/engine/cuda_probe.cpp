// cuda_available(): a CUDA build with at least one device (probed once, never throws), and the one
// message every backend gives when CUDA was asked for and there is none.
#include "cuda_probe.hpp"

#include "ctm/enumerate.hpp"
#ifdef CTM_WITH_CUDA
#include "cuda_backend.hpp"
#endif

namespace ctm {
#ifdef CTM_WITH_CUDA
bool cuda_available() { return detail::cuda_device_count() > 0; }
#else
bool cuda_available() { return false; }
#endif

namespace detail {

std::string no_cuda_device_message() {
#ifdef CTM_WITH_CUDA
  // A machine without a GPU driver reports cudaErrorInsufficientDriver: to a user that is "no device".
  const std::string probe = cuda_probe_error();
  const bool plain_absence = probe.empty() || probe.find("InsufficientDriver") != std::string::npos ||
                             probe.find("NoDevice") != std::string::npos || probe.find("0 devices") != std::string::npos;
  return "backend 'cuda' requested but no CUDA device was found" + (plain_absence ? std::string() : " (" + probe + ")") +
         "; use --backend cpu or auto";
#else
  return "backend 'cuda' requested but this build has no CUDA support (nvcc was not found); use --backend cpu or auto";
#endif
}

}  // namespace detail
}  // namespace ctm
