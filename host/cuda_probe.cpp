// cuda_available() for builds without the CUDA backend: there is no device to use.
#include "ctm/enumerate.hpp"

namespace ctm {
#ifndef CTM_WITH_CUDA
bool cuda_available() { return false; }
#endif
}  // namespace ctm
