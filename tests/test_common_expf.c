// test_common_expf.c: expf_shifted, the vectorised exponential every softmax calls,
// against libm's expf.
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/expf_vec.h"
#include "common/mem.h"

static uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

// Distance in units in the last place between a float and the exact value, taken
// from double-precision exp (itself good to far below a float ulp).
static double ulps_from_exact(float got, double exact) {
    if (exact == 0.0) return got == 0.0f ? 0.0 : INFINITY;
    int exponent;
    frexp(exact, &exponent);
    double ulp = ldexp(1.0, (exponent - 24 > -149 ? exponent - 24 : -149));   // float ulp at |exact|
    return fabs((double)got - exact) / ulp;
}

// Where glibc's own expf is the same algorithm with fused multiply-adds, the two must
// agree in every bit; elsewhere (other libms) both are only close to the exact value.
#define SAME_BITS_AS_LIBM 0
#if defined(__GLIBC__) && defined(__x86_64__) && defined(__FMA__)
#if __GLIBC_PREREQ(2, 27)   // the release that brought this algorithm
#undef SAME_BITS_AS_LIBM
#define SAME_BITS_AS_LIBM 1
#endif
#endif

// libm's bits where they must match, else within one ulp of the exact value; inf, 0
// and NaN exactly everywhere.
static void assert_like_libm(float got, float x, const char *what) {
    float libm = expf(x);
    if (isnan(libm)) {
        cr_assert(isnan(got), "%s: x = %a gave %a, want NaN", what, (double)x, (double)got);
    } else if (SAME_BITS_AS_LIBM || isinf(libm) || libm == 0.0f) {
        cr_assert_eq(float_bits(got), float_bits(libm), "%s: x = %a: %a, libm's expf %a", what, (double)x,
                     (double)got, (double)libm);
    } else {
        cr_assert_leq(ulps_from_exact(got, exp((double)x)), 1.0, "%s: x = %a: %a", what, (double)x, (double)got);
    }
}

// Every 127th float from `from` towards larger magnitude, `count` of them, in one call.
static void check_sweep(uint32_t from_bits, int count) {
    float *x = xmalloc(sizeof(float) * (size_t)count), *y = xmalloc(sizeof(float) * (size_t)count);
    for (int i = 0; i < count; i++) x[i] = bits_float(from_bits + 127u * (uint32_t)i);
    expf_shifted(y, x, 0.0f, count);
    double worst = 0.0;
    for (int i = 0; i < count; i++) {
        float libm = expf(x[i]);
        if (SAME_BITS_AS_LIBM)
            cr_assert_eq(float_bits(y[i]), float_bits(libm), "x = %a: %a, libm's expf %a", (double)x[i],
                         (double)y[i], (double)libm);
        double err = isinf(libm) ? (isinf(y[i]) ? 0.0 : INFINITY) : ulps_from_exact(y[i], exp((double)x[i]));
        if (err > worst) worst = err;
    }
    cr_assert_leq(worst, 1.0, "an exponential %.3f ulp away from exact (want < 1)", worst);
    free(x);
    free(y);
}

Test(common_expf, matches_libm_on_everything_a_softmax_passes) {
    // [-104, -0]: z - max <= 0 and below -104 every float exp is 0. 8.8M arguments;
    // run by hand, all 1,120,927,745 floats of the range gave glibc's bits.
    uint32_t minus_zero = 0x80000000u, minus_104 = float_bits(-104.0f);
    check_sweep(minus_zero, (int)((minus_104 - minus_zero) / 127u));
}

Test(common_expf, matches_libm_on_positive_arguments_up_to_overflow) {
    uint32_t plus_89 = float_bits(89.0f);
    check_sweep(0u, (int)(plus_89 / 127u) + 1);   // the last ones past the overflow at 88.72: inf
}

Test(common_expf, ends_inf_nan_and_the_shift) {
    // the overflow threshold 88.72283 and the float above it; the underflow threshold
    // -103.97208 (whose exp still rounds to the smallest subnormal), the float above it
    // and the float below it (0)
    const float x[] = {-INFINITY, INFINITY,   NAN,         -NAN,        0.0f,   -0.0f,  88.72283f, 88.72284f,
                       -103.97207f, -103.97208f, -103.972084f, -150.0f, 1e30f, -1e30f, 1e-30f};
    const int n = (int)(sizeof x / sizeof x[0]);
    float y[sizeof x / sizeof x[0]];
    expf_shifted(y, x, 0.0f, n);
    for (int i = 0; i < n; i++) assert_like_libm(y[i], x[i], "ends");
    // out[i] = exp(x[i] - shift), in place, at lengths that end inside a vector; a
    // shift with no exact float, so that x - shift rounds
    for (int len = 0; len <= 19; len++) {
        float buf[19], arg[19];
        for (int i = 0; i < len; i++) {
            buf[i] = 0.25f * (float)i - 3.0f;
            arg[i] = buf[i] - 1.3f;
        }
        expf_shifted(buf, buf, 1.3f, len);
        for (int i = 0; i < len; i++) assert_like_libm(buf[i], arg[i], "in place");
    }
}
