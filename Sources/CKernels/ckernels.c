#include "ckernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define IMFL_X86 1
#endif

static void dot_i8_portable(const int8_t *v, int64_t rows, int64_t dim, const int8_t *q, int32_t *out) {
    for (int64_t r = 0; r < rows; r++) {
        const int8_t *row = v + r * dim;
        int32_t sum = 0;
        for (int64_t i = 0; i < dim; i++) sum += (int32_t)row[i] * (int32_t)q[i];
        out[r] = sum;
    }
}

#ifdef IMFL_X86
/* maddubs multiplies unsigned by signed bytes, so the query's sign moves onto the vector:
   |q| * (v * sign(q)). With |values| <= 127 each pair sum is at most 2 * 127 * 127 = 32258,
   below the int16 saturation point. */
__attribute__((target("avx2")))
static void dot_i8_avx2(const int8_t *v, int64_t rows, int64_t dim, const int8_t *q, int32_t *out) {
    const int64_t blocks = dim / 32;
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t r = 0; r < rows; r++) {
        const int8_t *row = v + r * dim;
        __m256i acc = _mm256_setzero_si256();
        for (int64_t b = 0; b < blocks; b++) {
            __m256i qv = _mm256_loadu_si256((const __m256i *)(q + b * 32));
            __m256i rv = _mm256_loadu_si256((const __m256i *)(row + b * 32));
            __m256i prod = _mm256_maddubs_epi16(_mm256_abs_epi8(qv), _mm256_sign_epi8(rv, qv));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(prod, ones));
        }
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
        int32_t sum = _mm_cvtsi128_si32(s);
        for (int64_t i = blocks * 32; i < dim; i++) sum += (int32_t)row[i] * (int32_t)q[i];
        out[r] = sum;
    }
}
#endif

int imfl_dot_i8_uses_avx2(void) {
#ifdef IMFL_X86
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

void imfl_dot_i8(const int8_t *vectors, int64_t rows, int64_t dim, const int8_t *query, int32_t *out) {
#ifdef IMFL_X86
    static int avx2 = -1;
    if (avx2 < 0) avx2 = imfl_dot_i8_uses_avx2();
    if (avx2) {
        dot_i8_avx2(vectors, rows, dim, query, out);
        return;
    }
#endif
    dot_i8_portable(vectors, rows, dim, query, out);
}

/* Eight interleaved partial sums, combined pairwise at the end: the order is fixed by the
   source, and the target is compiled without -ffast-math, so the compiler may not reorder. */
void imfl_dot_f32(const float *vectors, int64_t rows, int64_t dim, const float *query, float *out) {
    for (int64_t r = 0; r < rows; r++) {
        const float *row = vectors + r * dim;
        float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t i = 0;
        for (; i + 8 <= dim; i += 8)
            for (int j = 0; j < 8; j++) s[j] += row[i + j] * query[i + j];
        float tail = 0;
        for (; i < dim; i++) tail += row[i] * query[i];
        out[r] = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + tail;
    }
}
