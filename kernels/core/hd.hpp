// Host/device portability: one macro so the machine semantics compile for the CPU and under nvcc.
#pragma once
#if defined(__CUDACC__)
#define CTM_HD __host__ __device__ __forceinline__
#else
#define CTM_HD inline
#endif
