// matmul.c: a cache-blocked, packed GEMM with a register micro-kernel (the BLIS
// design of Goto and van de Geijn, 2008). chapters/A1_fast_matmul/README.md builds it
// step by step and measures each step; this file is the end point.
//
// The loops, outermost first, and the memory level each block is sized for:
//
//   threads: C split into one band of rows or columns per thread
//   for jc (NC columns of the band)
//    for pc (KC of the K dimension)
//      pack op(B)[pc, jc] into NR-column slivers    (KC*NC floats: L3)
//      for ic (MC rows of the band)
//        pack op(A)[ic, pc] into MR-row slivers     (MC*KC floats: L2)
//        for jr (NR-column sliver)                  (KC*NR floats: L1)
//         for ir (MR-row sliver)
//           micro-kernel: C[MR,NR] += A_sliver (MR,KC) @ B_sliver (KC,NR), in registers
//           (= instead of += in the first KC block when beta = 0: C is never zeroed)
//
// Packing copies each block once into the exact order the micro-kernel reads
// (unit stride, zero-padded to whole slivers), which also absorbs the transposes:
// op(A) and op(B) are read through their strides only while packing.
#include "common/matmul.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__AVX__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

// Block sizes, overridable with -D for the appendix's tuning exercise.
#ifndef KC
#define KC 256    // K-depth of a packed block: KC*NR*4 bytes = 32 KiB for NR=32 (L1 is 48 KiB)
#endif
#ifndef MC
#define MC 192    // rows of an L2 block (rounded down to a multiple of MR): 192 KiB at KC=256
#endif
#ifndef NC
#define NC 2048   // columns of a packed B panel: 2 MiB at KC=256
#endif

// A learner's -DKC=... must still describe a working blocking (exercise A1.4).
_Static_assert(KC >= 1 && NC >= 1, "KC and NC must be positive");
_Static_assert(MC >= 16, "MC must hold at least one sliver of every kernel (MR <= 16)");

// Products below this many multiply-adds stay on one thread: a parallel region costs
// microseconds when both cores are free, but when another process holds one core the
// team waits for a time slice (milliseconds), which made small products up to 100x
// slower (measured in chapter 04's attention cost experiment).
#define PARALLEL_MIN_WORK (1L << 21)

// Below this many multiply-adds packing costs more than it saves and a plain loop in
// the right order is faster: at 8x8x8 the loop ran at 3.8-4.7 GFLOP/s, the packed path
// at 1.2; at 24x24x24 the packed path won in every transpose case (16-19 vs 4-13).
#define PACKED_MIN_WORK (16L * 16 * 16)

// ---- micro-kernels ----------------------------------------------------------------
// Each keeps an MR x NR tile of C in registers for the whole K loop: per k it loads
// one row of NR values of B, broadcasts MR values of A, and does MR*NR multiply-adds.
// The ratio of arithmetic to loads, MR*NR / (MR + NR), is what blocking buys.

// Portable C: fixed trip counts let the compiler unroll r and vectorise j, and keep
// acc in vector registers (6 x 16 floats = 12 AVX2 or 6 AVX-512 registers).
// Under -std=c11 gcc never fuses a*b + c into one FMA instruction (-ffp-contract=off),
// which halves the arithmetic rate; fmaf() asks for the fused operation explicitly,
// where <math.h> says the hardware has it (FP_FAST_FMAF), else a multiply and an add.
#ifdef FP_FAST_FMAF
#define MADD(a, b, c) fmaf(a, b, c)
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif
// Without AVX an x86-64 core has 16 vector registers of 4 floats: 6 x 16 would need 24
// accumulators and spill to the stack (13 GFLOP/s measured at -O2), so it gets 4 x 8.
// AVX machines (16 registers of 8) and ARM (32 of 4) hold 6 x 16.
#if defined(__AVX__) || defined(__aarch64__)
#define P_MR 6
#define P_NR 16
#define P_NAME "portable 6x16"
#else
#define P_MR 4
#define P_NR 8
#define P_NAME "portable 4x8"
#endif
// Every kernel comes twice: adding its tile to C (`c += tile`), and writing it (`c =
// tile`) for the first K block of a product with beta = 0, so that C is never read
// and needs no zeroing pass first. One inline body, tile_*(..., add_to_c), serves
// both; KERNEL_PAIR defines the two entry points, in each of which `add_to_c` is a
// constant, so the compiler keeps only its branch.
#define KERNEL_PAIR(tile, name)                                                          \
    static void name(int kc, const float *restrict a, const float *restrict b,          \
                     float *restrict c, long ldc) {                                     \
        tile(kc, a, b, c, ldc, 1);                                                      \
    }                                                                                   \
    static void name##_store(int kc, const float *restrict a, const float *restrict b,  \
                             float *restrict c, long ldc) {                             \
        tile(kc, a, b, c, ldc, 0);                                                      \
    }
static inline void tile_portable(int kc, const float *restrict a, const float *restrict b,
                                 float *restrict c, long ldc, int add_to_c) {
    float acc[P_MR][P_NR] = {{0}};
    for (int k = 0; k < kc; k++) {
        const float *ak = a + (size_t)k * P_MR, *bk = b + (size_t)k * P_NR;
        for (int r = 0; r < P_MR; r++) {
            // without this hint gcc vectorises across r instead (shuffles, 6x slower)
            #pragma omp simd
            for (int j = 0; j < P_NR; j++) acc[r][j] = MADD(ak[r], bk[j], acc[r][j]);
        }
    }
    for (int r = 0; r < P_MR; r++)
        for (int j = 0; j < P_NR; j++) c[r * ldc + j] = add_to_c ? c[r * ldc + j] + acc[r][j] : acc[r][j];
}
KERNEL_PAIR(tile_portable, kernel_portable)

// The intrinsics kernels name each accumulator. With an array of vectors gcc 12 also
// stores the array to the stack on every k; here that cost nothing measurable (75-76
// GFLOP/s both ways, the stores are off the critical path), but named variables leave
// the compiler nothing to get wrong.

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
// The C tile is only touched after the K loop; ask for it now, so that its cache
// misses overlap the arithmetic instead of following it. For a product with K <= KC
// every tile of C is touched once, and a large C (chapter 09's widest hidden layer:
// 2048 x 4096 floats, 32 MiB; its logits, 64 MiB, before it took them in pieces) is in
// no cache: without the prefetch the AVX2 kernel waited for each of its
// 6 rows in turn at the end of the tile. The hint asks for every 64-byte line of each
// row with intent to write (prefetchw where the CPU has it), since every line is written.
static inline void prefetch_c_tile(const float *c, long ldc, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < cols; j += 16) __builtin_prefetch(c + r * ldc + j, 1, 3);
        __builtin_prefetch(c + r * ldc + cols - 1, 1, 3);   // the last line, if the row is not aligned
    }
}
#endif

#if defined(__AVX2__) && defined(__FMA__)
// AVX2: 16 ymm registers. 6 rows x 2 registers of 8 = 12 accumulators, 2 for the row
// of B, 1 for the broadcast of A: 15 of 16. Each k: 2 loads, 6 broadcasts, 12 FMAs.
#define AVX2_ROW(r)                                          \
    do {                                                     \
        __m256 ar = _mm256_broadcast_ss(ak + r);             \
        c##r##0 = _mm256_fmadd_ps(ar, b0, c##r##0);          \
        c##r##1 = _mm256_fmadd_ps(ar, b1, c##r##1);          \
    } while (0)
#define AVX2_STORE(r)                                                                  \
    do {                                                                               \
        float *cr = c + r * ldc;                                                       \
        if (add_to_c) c##r##0 = _mm256_add_ps(_mm256_loadu_ps(cr), c##r##0),           \
                      c##r##1 = _mm256_add_ps(_mm256_loadu_ps(cr + 8), c##r##1);       \
        _mm256_storeu_ps(cr, c##r##0);                                                 \
        _mm256_storeu_ps(cr + 8, c##r##1);                                             \
    } while (0)
static inline void tile_avx2(int kc, const float *restrict a, const float *restrict b,
                             float *restrict c, long ldc, int add_to_c) {
    prefetch_c_tile(c, ldc, 6, 16);
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int k = 0; k < kc; k++) {
        const float *ak = a + (size_t)k * 6;
        __m256 b0 = _mm256_loadu_ps(b + (size_t)k * 16), b1 = _mm256_loadu_ps(b + (size_t)k * 16 + 8);
        AVX2_ROW(0); AVX2_ROW(1); AVX2_ROW(2); AVX2_ROW(3); AVX2_ROW(4); AVX2_ROW(5);
    }
    AVX2_STORE(0); AVX2_STORE(1); AVX2_STORE(2); AVX2_STORE(3); AVX2_STORE(4); AVX2_STORE(5);
}
KERNEL_PAIR(tile_avx2, kernel_avx2)
#endif

#ifdef __AVX512F__
// AVX-512: 32 zmm registers. 12 rows x 2 registers of 16 = 24 accumulators, 2 for
// the row of B, the broadcasts of A fold into the FMAs as memory operands. Each k:
// 2 loads, 12 broadcasts, 24 FMAs on 16 floats = 768 flops.
#define X512_ROW(r)                                          \
    do {                                                     \
        __m512 ar = _mm512_set1_ps(ak[r]);                   \
        c##r##_0 = _mm512_fmadd_ps(ar, b0, c##r##_0);        \
        c##r##_1 = _mm512_fmadd_ps(ar, b1, c##r##_1);        \
    } while (0)
#define X512_STORE(r)                                                                  \
    do {                                                                               \
        float *cr = c + r * ldc;                                                       \
        if (add_to_c) c##r##_0 = _mm512_add_ps(_mm512_loadu_ps(cr), c##r##_0),         \
                      c##r##_1 = _mm512_add_ps(_mm512_loadu_ps(cr + 16), c##r##_1);    \
        _mm512_storeu_ps(cr, c##r##_0);                                                \
        _mm512_storeu_ps(cr + 16, c##r##_1);                                           \
    } while (0)
static inline void tile_avx512(int kc, const float *restrict a, const float *restrict b,
                               float *restrict c, long ldc, int add_to_c) {
    prefetch_c_tile(c, ldc, 12, 32);
    __m512 c0_0 = _mm512_setzero_ps(), c0_1 = c0_0, c1_0 = c0_0, c1_1 = c0_0, c2_0 = c0_0,
           c2_1 = c0_0, c3_0 = c0_0, c3_1 = c0_0, c4_0 = c0_0, c4_1 = c0_0, c5_0 = c0_0,
           c5_1 = c0_0, c6_0 = c0_0, c6_1 = c0_0, c7_0 = c0_0, c7_1 = c0_0, c8_0 = c0_0,
           c8_1 = c0_0, c9_0 = c0_0, c9_1 = c0_0, c10_0 = c0_0, c10_1 = c0_0, c11_0 = c0_0,
           c11_1 = c0_0;
    for (int k = 0; k < kc; k++) {
        const float *ak = a + (size_t)k * 12;
        __m512 b0 = _mm512_loadu_ps(b + (size_t)k * 32), b1 = _mm512_loadu_ps(b + (size_t)k * 32 + 16);
        X512_ROW(0); X512_ROW(1); X512_ROW(2); X512_ROW(3); X512_ROW(4);  X512_ROW(5);
        X512_ROW(6); X512_ROW(7); X512_ROW(8); X512_ROW(9); X512_ROW(10); X512_ROW(11);
    }
    X512_STORE(0); X512_STORE(1); X512_STORE(2); X512_STORE(3); X512_STORE(4);  X512_STORE(5);
    X512_STORE(6); X512_STORE(7); X512_STORE(8); X512_STORE(9); X512_STORE(10); X512_STORE(11);
}
KERNEL_PAIR(tile_avx512, kernel_avx512)
#endif

static const MatmulKernel KERNELS[] = {
#ifdef __AVX512F__
    {"avx512 12x32", 12, 32, kernel_avx512, kernel_avx512_store},
#endif
#if defined(__AVX2__) && defined(__FMA__)
    {"avx2 6x16", 6, 16, kernel_avx2, kernel_avx2_store},
#endif
    {P_NAME, P_MR, P_NR, kernel_portable, kernel_portable_store},
};

int matmul_kernels(const MatmulKernel **kernels) {
    *kernels = KERNELS;
    return (int)(sizeof KERNELS / sizeof KERNELS[0]);
}

// ---- packing ------------------------------------------------------------------------
// Both operands are packed the same way. Write X(k, j) for the matrix seen with the
// depth index k first: X = op(B) for B, and X(k, i) = op(A)[i, k] for A. Packing
// copies X[k0 .. k0+kc, j0 .. j0+width) into slivers of w columns,
//     dst[s*w*kc + k*w + c] = X(k0 + k, j0 + s*w + c)    (0 past the edge),
// so the micro-kernel reads each sliver front to back. X sits in memory one of two
// ways, and each has its own efficient loop:
//   rows: X(k, j) = src[k*ld + j], contiguous in j  (B as stored; A stored transposed)
//   cols: X(k, j) = src[j*ld + k], contiguous in k  (A as stored; B stored transposed)
// A unit of work is a block of PACK_ROWS rows of X (rows layout: reading whole rows
// front to back is what the hardware prefetcher follows; one sliver at a time would
// jump to a new row, often a new page, every few floats) or one sliver (cols layout).
#define PACK_ROWS 16
#define PACK_K 16
_Static_assert(PACK_K % 8 == 0, "the AVX packing path moves blocks of 8 x 8");

typedef struct {
    const float *src;
    long ld;
    int contiguous_in_k;  // the cols layout
    int j0, width, k0, kc, w;
} Packing;

static int packing_units(const Packing *p) {
    return p->contiguous_in_k ? (p->width + p->w - 1) / p->w : (p->kc + PACK_ROWS - 1) / PACK_ROWS;
}

// One row of a sliver, n floats. The kernels' widths get a copy of constant length,
// which the compiler turns into a few vector moves; a loop of variable length n = 6
// was a scalar loop behind aliasing checks.
static inline void copy_sliver_row(float *d, const float *src, int n) {
    switch (n) {
    case 6: memcpy(d, src, 6 * sizeof(float)); return;
    case 12: memcpy(d, src, 12 * sizeof(float)); return;
    case 16: memcpy(d, src, 16 * sizeof(float)); return;
    case 32: memcpy(d, src, 32 * sizeof(float)); return;
    default: for (int c = 0; c < n; c++) d[c] = src[c];
    }
}

#ifdef __AVX__
// v[r] = row r, 8 floats -> v[k] = (row 0's k-th, ..., row 7's k-th): an 8x8 transpose
// in registers, the textbook 24 shuffles (pairs, then quads, then 128-bit halves).
static inline void transpose8x8(__m256 v[8]) {
    __m256 t0 = _mm256_unpacklo_ps(v[0], v[1]), t1 = _mm256_unpackhi_ps(v[0], v[1]);
    __m256 t2 = _mm256_unpacklo_ps(v[2], v[3]), t3 = _mm256_unpackhi_ps(v[2], v[3]);
    __m256 t4 = _mm256_unpacklo_ps(v[4], v[5]), t5 = _mm256_unpackhi_ps(v[4], v[5]);
    __m256 t6 = _mm256_unpacklo_ps(v[6], v[7]), t7 = _mm256_unpackhi_ps(v[6], v[7]);
    __m256 q0 = _mm256_shuffle_ps(t0, t2, 0x44), q1 = _mm256_shuffle_ps(t0, t2, 0xee);
    __m256 q2 = _mm256_shuffle_ps(t1, t3, 0x44), q3 = _mm256_shuffle_ps(t1, t3, 0xee);
    __m256 q4 = _mm256_shuffle_ps(t4, t6, 0x44), q5 = _mm256_shuffle_ps(t4, t6, 0xee);
    __m256 q6 = _mm256_shuffle_ps(t5, t7, 0x44), q7 = _mm256_shuffle_ps(t5, t7, 0xee);
    v[0] = _mm256_permute2f128_ps(q0, q4, 0x20), v[4] = _mm256_permute2f128_ps(q0, q4, 0x31);
    v[1] = _mm256_permute2f128_ps(q1, q5, 0x20), v[5] = _mm256_permute2f128_ps(q1, q5, 0x31);
    v[2] = _mm256_permute2f128_ps(q2, q6, 0x20), v[6] = _mm256_permute2f128_ps(q2, q6, 0x31);
    v[3] = _mm256_permute2f128_ps(q3, q7, 0x20), v[7] = _mm256_permute2f128_ps(q3, q7, 0x31);
}

// A cols-layout block of 8 k by `cols` <= 8 whole columns (each 8 contiguous floats,
// `ld` apart) into rows of `w` floats: the scalar version writes every float on its
// own, w floats apart. Columns past `cols` are not loaded (zeros stand in) and not stored.
static inline void pack_cols_8x8(float *db, int w, const float *col, long ld, int cols) {
    __m256 v[8];
    for (int c = 0; c < 8; c++) v[c] = c < cols ? _mm256_loadu_ps(col + (size_t)c * ld) : _mm256_setzero_ps();
    transpose8x8(v);
    if (cols == 8) {
        for (int k = 0; k < 8; k++) _mm256_storeu_ps(db + (size_t)k * w, v[k]);
    } else {  // cols = 6 or 4 (the last 6 or 4 of a sliver 6 or 12 wide): 4 (+ 2) floats
        for (int k = 0; k < 8; k++) {
            _mm_storeu_ps(db + (size_t)k * w, _mm256_castps256_ps128(v[k]));
            if (cols == 6) _mm_storel_pi((__m64 *)(db + (size_t)k * w + 4), _mm256_extractf128_ps(v[k], 1));
        }
    }
}
#endif

static void pack_unit(float *dst, const Packing *p, int unit) {
    const int w = p->w, kc = p->kc;
    if (p->contiguous_in_k) {  // one sliver: w columns of X, each contiguous in k
        float *d = dst + (size_t)unit * w * kc;
        const int j = unit * w, n = p->width - j < w ? p->width - j : w;
        const float *col0 = p->src + (size_t)(p->j0 + j) * p->ld + p->k0;
        // In blocks of PACK_K values of k: each column's block is one contiguous read
        // (a vector load), written down a column of the sliver's block, which is
        // w * PACK_K floats and stays in L1. (Reading all n columns at every k, the
        // first version, made n strided loads per k: 12% of chapter 07's training.)
        for (int kb = 0; kb < kc; kb += PACK_K) {
            const int kn = kc - kb < PACK_K ? kc - kb : PACK_K;
            float *db = d + (size_t)kb * w;
#ifdef __AVX__
            // Whole blocks of the kernels' slivers (6 x 16 for AVX2 and the portable
            // kernel, 12 x 32 for AVX-512): 8x8 transposes in registers, the same floats
            // to the same places, the last 6 or 4 of a sliver as a narrower block.
            // Plain AVX is enough for the shuffles.
            if (kn == PACK_K && n == w && (w == 6 || w == 12 || w == 16 || w == 32)) {
                for (int kk = 0; kk < PACK_K; kk += 8)
                    for (int c0 = 0; c0 < w; c0 += 8)
                        pack_cols_8x8(db + (size_t)kk * w + c0, w, col0 + (size_t)c0 * p->ld + kb + kk, p->ld,
                                      w - c0 < 8 ? w - c0 : 8);
                continue;
            }
#endif
            for (int c = 0; c < n; c++) {
                const float *src = col0 + (size_t)c * p->ld + kb;
                for (int k = 0; k < kn; k++) db[(size_t)k * w + c] = src[k];
            }
            for (int k = 0; k < kn; k++)
                for (int c = n; c < w; c++) db[(size_t)k * w + c] = 0.0f;
        }
    } else {                   // PACK_ROWS rows of X, each split across every sliver
        int k_hi = (unit + 1) * PACK_ROWS < kc ? (unit + 1) * PACK_ROWS : kc;
        int slivers = (p->width + w - 1) / w;
        for (int k = unit * PACK_ROWS; k < k_hi; k++) {
            const float *row = p->src + (size_t)(p->k0 + k) * p->ld + p->j0;
            for (int s = 0; s < slivers; s++) {
                float *d = dst + (size_t)s * w * kc + (size_t)k * w;
                int n = p->width - s * w < w ? p->width - s * w : w;
                copy_sliver_row(d, row + (size_t)s * w, n);
                for (int c = n; c < w; c++) d[c] = 0.0f;
            }
        }
    }
}

static void scale_c(float *C, int M, int N, float beta) {
    size_t n = (size_t)M * N;
    if (beta == 0.0f) {
        memset(C, 0, n * sizeof(float));  // also clears NaN garbage, which 0*NaN would keep
    } else if (beta != 1.0f) {
        for (size_t i = 0; i < n; i++) C[i] *= beta;
    }
}

static int min_int(int a, int b) { return a < b ? a : b; }
static int ceil_div(int a, int b) { return (a + b - 1) / b; }

// One thread's share: C[i_lo:i_hi, j_lo:j_hi] += op(A)[i_lo:i_hi, :] @ op(B)[:, j_lo:j_hi],
// the BLIS loops; with `overwrite`, = instead of += (C's old values, even NaN, are never
// read): the first K block writes each tile, the later ones add to it.
// apack holds MC*KC floats, bpack KC*NC (both 64-byte aligned).
static void multiply_block(const MatmulKernel *kern, float *C, const float *A, const float *B,
                           int M, int N, int K, int trans_a, int trans_b, int overwrite,
                           int i_lo, int i_hi, int j_lo, int j_hi, float *apack, float *bpack) {
    const int mr = kern->mr, nr = kern->nr, mc_max = (MC / mr) * mr;
    float edge[16 * 64];  // one partial tile: MR*NR <= 16*64 for every kernel above
    for (int jc = j_lo; jc < j_hi; jc += NC) {
        const int nc = min_int(NC, j_hi - jc);
        for (int pc = 0; pc < K; pc += KC) {
            const int kc = min_int(KC, K - pc), write = overwrite && pc == 0;
            // B (K,N) as stored is contiguous in j; stored transposed, (N,K), in k.
            const Packing pb = {B, trans_b ? K : N, trans_b, jc, nc, pc, kc, nr};
            for (int u = 0; u < packing_units(&pb); u++) pack_unit(bpack, &pb, u);
            for (int ic = i_lo; ic < i_hi; ic += mc_max) {
                const int mc = min_int(mc_max, i_hi - ic);
                // A (M,K) as stored is contiguous in k; stored transposed, (K,M), in i.
                const Packing pa = {A, trans_a ? M : K, !trans_a, ic, mc, pc, kc, mr};
                for (int u = 0; u < packing_units(&pa); u++) pack_unit(apack, &pa, u);
                for (int jr = 0; jr < nc; jr += nr) {       // B sliver: stays in L1
                    const float *bs = bpack + (size_t)(jr / nr) * nr * kc;
                    const int w = min_int(nr, nc - jr);
                    for (int ir = 0; ir < mc; ir += mr) {   // A sliver: from L2
                        const float *as = apack + (size_t)(ir / mr) * mr * kc;
                        const int h = min_int(mr, mc - ir);
                        float *c = C + (size_t)(ic + ir) * N + jc + jr;
                        if (h == mr && w == nr) {
                            (write ? kern->kernel_store : kern->kernel)(kc, as, bs, c, N);
                        } else {  // the ragged edge: compute a whole tile aside, add what fits
                            memset(edge, 0, sizeof(float) * (size_t)mr * nr);
                            kern->kernel(kc, as, bs, edge, nr);
                            for (int r = 0; r < h; r++)
                                for (int q = 0; q < w; q++)
                                    c[(size_t)r * N + q] = (write ? 0.0f : c[(size_t)r * N + q]) + edge[r * nr + q];
                        }
                    }
                }
            }
        }
    }
}

// Each thread's packing buffer, kept from one product to the next and only ever grown
// (at most MC*KC + KC*NC floats, 2.2 MB). A buffer of that size is a fresh mmap for
// malloc: allocated and freed per product, as this file first did, every product paid
// for page faults and, with two threads, for the TLB flush of the unmap on the other
// core; training chapter 07's BERT spent 8% of its time there (perf). The buffers are
// scratch, not state: no result depends on what they held.
static _Thread_local char *pack_buf;
static _Thread_local size_t pack_cap;

static char *packing_buffer(size_t bytes) {
    if (bytes > pack_cap) {
        free(pack_buf);
        pack_buf = xmalloc(bytes), pack_cap = bytes;
    }
    return pack_buf;
}

// Threads split C into bands along its longer side (see split_n below), in whole slivers. Each thread
// runs multiply_block on its band with its own packing buffers: nothing is shared
// but the read-only A and B, so the threads meet only once, at the end. (A version
// that packed shared panels met at two barriers per KC step; with another process on
// one of the two cores, every barrier waited for a time slice and n=128 ran 300x
// slower. One meeting per product keeps that cost to one wait.)
void matmul_blocked(const MatmulKernel *kern, int threads, float *C, const float *A,
                    const float *B, int M, int N, int K, int trans_a, int trans_b,
                    float beta) {
    if (M < 0 || N < 0 || K < 0) DIE("matmul: negative size %d x %d x %d", M, N, K);
    if (kern->mr < 1 || kern->nr < 1 || kern->mr > 16 || kern->mr * kern->nr > 16 * 64)
        DIE("matmul: kernel '%s' has an MR x NR tile of %d x %d; 1..16 rows and at most 1024 entries fit",
            kern->name, kern->mr, kern->nr);
    // beta = 0 and a kernel that can write its tile: no zeroing pass over C (serial, and
    // for chapter 09's widest hidden layer a pass over 32 MiB); the first K block writes C.
    const int overwrite = beta == 0.0f && kern->kernel_store != NULL && K > 0;
    if (!overwrite) scale_c(C, M, N, beta);
    if (M == 0 || N == 0 || K == 0) return;
    int use_threads = 1;
#ifdef _OPENMP
    // threads > 0 is an order (the tests use it to run two threads on small shapes);
    // 0 means: all cores for large products, one thread below PARALLEL_MIN_WORK, and
    // one inside a caller's parallel region (chapter 09's experts side by side: with
    // nesting switched on, each would start a team of its own, more threads than cores)
    use_threads = threads > 0 ? threads : omp_get_max_threads();
    if (threads <= 0 && ((double)M * N * K < (double)PARALLEL_MIN_WORK || omp_in_parallel())) use_threads = 1;
#endif
    (void)threads;
    const int mr = kern->mr, nr = kern->nr;
    // Splitting along N makes every thread pack all of A (M x K); along M, all of B
    // (K x N). Split the longer side, so that the operand packed twice is the smaller
    // one: a tall activation times a square weight (4096 x 256 times 256 x 256, the
    // Transformer's linear layers) splits along M. Too few units on that side for
    // every thread: the other side.
    const int n_units = ceil_div(N, nr), m_units = ceil_div(M, mr);
    const int split_n = N >= M ? n_units >= use_threads || m_units < use_threads : m_units < use_threads;
    const int units = split_n ? ceil_div(N, nr) : ceil_div(M, mr);
    if (use_threads > units) use_threads = units;
    const size_t a_floats = (size_t)((MC / mr) * mr) * min_int(K, KC);
    const size_t b_floats = (size_t)ceil_div(min_int(N, NC), nr) * nr * min_int(K, KC);
    #pragma omp parallel num_threads(use_threads) if (use_threads > 1)
    {
        int t = 0, n_threads = 1;
#ifdef _OPENMP
        t = omp_get_thread_num(), n_threads = omp_get_num_threads();
#endif
        // band t: units [t*units/T, (t+1)*units/T), in rows or columns of C
        const int u_lo = (int)((long)t * units / n_threads), u_hi = (int)((long)(t + 1) * units / n_threads);
        int i_lo = 0, i_hi = M, j_lo = 0, j_hi = N;
        if (split_n) j_lo = u_lo * nr, j_hi = min_int(N, u_hi * nr);
        else i_lo = u_lo * mr, i_hi = min_int(M, u_hi * mr);
        // Packed panels start on a 64-byte cache line: with NR = 16 or 32 floats every
        // row of a B sliver is then whole lines, and no vector load of B straddles two.
        char *buffer = packing_buffer(sizeof(float) * (a_floats + b_floats) + 2 * 64);
        float *apack = (float *)(buffer + (64 - (uintptr_t)buffer % 64));
        float *bpack = (float *)((char *)apack + ((sizeof(float) * a_floats + 63) / 64) * 64);
        if (i_lo < i_hi && j_lo < j_hi)
            multiply_block(kern, C, A, B, M, N, K, trans_a, trans_b, overwrite, i_lo, i_hi, j_lo, j_hi, apack,
                           bpack);
    }
}

// Tiny products (attention over a few tokens, a batch of one): loops in the order
// that keeps the innermost loop contiguous, no packing, one thread.
static void matmul_small(float *C, const float *A, const float *B, int M, int N, int K,
                         int trans_a, int trans_b) {
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * N;
        if (!trans_b) {  // C[i,:] += op(A)[i,k] * B[k,:]
            for (int k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * M + i] : A[(size_t)i * K + k];
                const float *b = B + (size_t)k * N;
                for (int j = 0; j < N; j++) c[j] += a * b[j];
            }
        } else {         // C[i,j] += dot(op(A)[i,:], B[j,:])
            for (int j = 0; j < N; j++) {
                const float *b = B + (size_t)j * K;
                float sum = 0.0f;
                for (int k = 0; k < K; k++)
                    sum += (trans_a ? A[(size_t)k * M + i] : A[(size_t)i * K + k]) * b[k];
                c[j] += sum;
            }
        }
    }
}

void matmul(float *C, const float *A, const float *B, int M, int N, int K,
            int trans_a, int trans_b, float beta) {
    if ((double)M * N * K < (double)PACKED_MIN_WORK) {
        scale_c(C, M, N, beta);
        matmul_small(C, A, B, M, N, K, trans_a, trans_b);
        return;
    }
    matmul_blocked(&KERNELS[0], 0, C, A, B, M, N, K, trans_a, trans_b, beta);
}

void matmul_naive(float *C, const float *A, const float *B, int M, int N, int K,
                  int trans_a, int trans_b, float beta) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double sum = 0.0;
            for (int k = 0; k < K; k++) {
                double a = trans_a ? A[(size_t)k * M + i] : A[(size_t)i * K + k];
                double b = trans_b ? B[(size_t)j * K + k] : B[(size_t)k * N + j];
                sum += a * b;
            }
            float *c = &C[(size_t)i * N + j];
            *c = (float)(sum + (beta == 0.0f ? 0.0 : (double)beta * *c));
        }
}
