#ifndef IMFL_CKERNELS_H
#define IMFL_CKERNELS_H

#include <stdint.h>

/// Dot products of one int8 query with `rows` int8 vectors of length `dim` (row-major,
/// contiguous), as exact int32 sums. Uses AVX2 when the CPU has it (checked once), else a
/// portable loop. Values must lie in [-127, 127] so that no intermediate sum saturates.
void imfl_dot_i8(const int8_t *vectors, int64_t rows, int64_t dim, const int8_t *query, int32_t *out);

/// Dot products of one float query with `rows` float vectors in a fixed summation order that
/// does not depend on `rows`, the CPU or the call: the same row and query always give the
/// same bits, which lets two indexes over the same vectors agree exactly.
void imfl_dot_f32(const float *vectors, int64_t rows, int64_t dim, const float *query, float *out);

/// 1 when the int8 kernel uses AVX2 on this CPU.
int imfl_dot_i8_uses_avx2(void);

#endif
