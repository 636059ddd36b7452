#include "chapters/A1_fast_matmul/roofline.h"

#include <math.h>
#include <stdlib.h>

#include "common/mem.h"
#include "common/timer.h"

// The vector width the compiler targets: the peak is reached only when every FMA
// works on a full register.
#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
// Independent chains: enough to keep every FMA pipe busy for its whole latency (2
// pipes x 4 cycles on x86, 4 x 4 on recent ARM cores), within the register file (32
// vector registers with AVX-512 or on ARM, 16 with AVX2).
#if defined(__AVX512F__) || defined(__aarch64__)
#define CHAINS 16
#else
#define CHAINS 12
#endif
// gcc under -std=c11 does not fuse a*b + c into an FMA by itself (common/matmul.c)
#ifdef FP_FAST_FMAF
#define MADD(a, b, c) fmaf(a, b, c)
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif

double roofline_peak_gflops(double seconds) {
    // Each chain is a dependent sequence acc = acc * x + y; chains are independent, so
    // an FMA unit can start one per cycle as long as CHAINS >= latency x units.
    // x slightly below 1 and y small keep the values finite forever.
    float acc[CHAINS][LANES], x[LANES], y[LANES];
    for (int j = 0; j < LANES; j++) x[j] = 0.999f, y[j] = 1e-3f;
    for (int c = 0; c < CHAINS; c++)
        for (int j = 0; j < LANES; j++) acc[c][j] = (float)c;
    long iters = 1 << 20, done = 0;
    double t0 = now_seconds(), elapsed;
    do {
        for (long it = 0; it < iters; it++)
            for (int c = 0; c < CHAINS; c++) {
                #pragma omp simd
                for (int j = 0; j < LANES; j++) acc[c][j] = MADD(acc[c][j], x[j], y[j]);
            }
        done += iters;
        elapsed = now_seconds() - t0;
    } while (elapsed < seconds);
    // Use the result, or the compiler may delete the loop.
    float sum = 0;
    for (int c = 0; c < CHAINS; c++)
        for (int j = 0; j < LANES; j++) sum += acc[c][j];
    volatile float sink = sum;
    (void)sink;
    return 2.0 * LANES * CHAINS * (double)done / elapsed / 1e9;
}

double roofline_bandwidth_gbs(size_t floats, int reps) {
    float *a = xmalloc(sizeof(float) * floats), *b = xmalloc(sizeof(float) * floats),
          *c = xmalloc(sizeof(float) * floats);
    for (size_t i = 0; i < floats; i++) a[i] = 0.0f, b[i] = 1.0f, c[i] = 2.0f;  // touch every page
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        const float s = 0.5f + (float)r;
        double t0 = now_seconds();
        for (size_t i = 0; i < floats; i++) a[i] = b[i] + s * c[i];
        double dt = now_seconds() - t0;
        if (dt < best) best = dt;
        b[r % floats] = a[(r * 7) % floats];  // a dependence between passes, so none is skipped
    }
    free(a), free(b), free(c);
    return 12.0 * (double)floats / best / 1e9;
}
