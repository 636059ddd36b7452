// steps.h: the road from the textbook triple loop to common/matmul.c, one function
// per step. Every step computes the same product,
//
//   C (M,N) = A (M,K) @ B (K,N),    all row-major and contiguous, C overwritten,
//
// and differs only in the order it touches memory. README.md measures each step and
// explains, with the roofline, why each is faster than the one before.
#ifndef A1_STEPS_H
#define A1_STEPS_H

// Step 1: one dot product per element of C. The inner loop walks B down a column,
// N floats apart: every multiply-add loads a new cache line of B.
void step1_naive_ijk(float *C, const float *A, const float *B, int M, int N, int K);

// Step 2: the same arithmetic with the loops i, k, j: the inner loop is an axpy,
// C[i,:] += A[i,k] * B[k,:], unit stride in both B and C, which the compiler turns
// into vector instructions.
void step2_loop_order_ikj(float *C, const float *A, const float *B, int M, int N, int K);

// Step 3: step 2 over tiles of B. A TILE_K x TILE_N block of B (128 KiB) stays in L2
// while every row of A passes over it, instead of all of B streaming past each row of
// C; the price moves to C, whose TILE_N-wide panel is read and written K/TILE_K times.
#define STEP3_TILE_N 256
#define STEP3_TILE_K 128
void step3_tiled(float *C, const float *A, const float *B, int M, int N, int K);

// Steps 4-6 are common/matmul.c: matmul_blocked() with
//   4: packing and the portable C micro-kernel, one thread
//   5: the best micro-kernel this build has (AVX-512 or AVX2 intrinsics), one thread
//   6: the same on every core (OpenMP)
// step_run() runs any of the six by number, for the experiment and the tests.
#define N_STEPS 6
const char *step_name(int step);   // step in 1..N_STEPS
void step_run(int step, float *C, const float *A, const float *B, int M, int N, int K);

#endif
