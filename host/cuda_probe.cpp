// cuda_available(): a CUDA build with at least one device (probed once, never throws).
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
}  // namespace ctm
