// expf_vec.c: the exponential, written so that the compiler runs 4-8 of them at once.
//
// It is the algorithm glibc's own expf uses (Szabolcs Nagy's, from Arm's
// optimized-routines, in glibc since 2.27), with the same table and polynomial, so on
// glibc x86-64 machines with FMA, where this book's tables were measured, it rounds
// exactly as libm does: switching chapter 02's softmax to it changed no loss or
// statistic of chapter 09's runs in any digit. Nothing in it is a call, a branch or a
// lookup the vectoriser cannot do.
//
// exp(x) = 2^(x / ln 2). Scale by N = 32 table entries per octave and split into an
// integer and a small rest:
//   z = x N / ln 2,   k = round(z),   r = z - k  in [-1/2, 1/2]
//   exp(x) = 2^(k / N) 2^(r / N)
//          = 2^(k div N)  *  2^((k mod N) / N)  *  2^(r / N)
//            exponent        table T[k mod N]      cubic in r, |r / N| <= 1/64
// The first factor costs nothing: it is added straight into the exponent bits of the
// table entry. The cubic only has to be good on a tiny interval. Everything is done in
// double and rounded to float once, at the end, so the result is the correctly rounded
// float except in rare near-ties (glibc: 0.502 ulp at worst).
#include "common/expf_vec.h"

#include <math.h>
#include <stdint.h>

#define EXP_TABLE_N 32

// Bit patterns of 2^(i/32) as doubles, minus i << 47: adding k << 47 (below) puts
// the bits of k mod 32 back, and carries k div 32 into the exponent field (bit 52 up).
// Printed by a loop over exp2(i / 32.0); they are glibc's table entry for entry.
static const uint64_t exp2_table_bits[EXP_TABLE_N] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};

// 2^(r/N) ~ 1 + R1 r + R2 r^2 + R3 r^3: minimax coefficients of 2^t on |t| <= 1/64,
// as glibc has them, divided by the powers of N that turn t = r / N into r.
static const double EXP_R3 = 0x1.c6af84b912394p-5 / EXP_TABLE_N / EXP_TABLE_N / EXP_TABLE_N;
static const double EXP_R2 = 0x1.ebfce50fac4f3p-3 / EXP_TABLE_N / EXP_TABLE_N;
static const double EXP_R1 = 0x1.62e42ff0c52d6p-1 / EXP_TABLE_N;
static const double EXP_N_OVER_LN2 = 0x1.71547652b82fep+0 * EXP_TABLE_N;
// Adding 1.5 * 2^52 to z leaves no bits for a fraction: the sum rounds z to the
// nearest integer (ties to even), which then sits in the low bits of its pattern.
static const double EXP_ROUND_SHIFT = 0x1.8p+52;

// a * b + c rounded once where the machine fuses it, as glibc's FMA build does (the
// library picks that build at run time on such machines); twice elsewhere, as its
// plain build does. In two statements, because clang fuses a * b + c written as one
// expression where it can (gcc does not under -std=c11).
static inline double mul_add(double a, double b, double c) {
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
    return fma(a, b, c);
#else
    double product = a * b;
    return product + c;
#endif
}

// A value's bits as an integer of the same size, and back: reading a union member
// other than the one last written reinterprets the bytes (C11 6.5.2.3, footnote 95).
typedef union {
    double value;
    uint64_t bits;
} DoubleBits;
typedef union {
    float value;
    uint32_t bits;
} FloatBits;

// condition ? if_true : if_false, as a mask: no branch for the compiler to keep.
static inline uint32_t select_bits(int condition, uint32_t if_true, uint32_t if_false) {
    uint32_t mask = 0u - (uint32_t)condition;
    return (if_true & mask) | (if_false & ~mask);
}

void expf_shifted(float *out, const float *x, float shift, int n) {
#pragma omp simd
    for (int i = 0; i < n; i++) {
        float arg = x[i] - shift;
        double xd = (double)arg;
        double z = EXP_N_OVER_LN2 * xd;
        double kd = z + EXP_ROUND_SHIFT;
        uint64_t ki = (DoubleBits){.value = kd}.bits;   // low bits: k = round(z), in two's complement
        kd -= EXP_ROUND_SHIFT;
        double r = mul_add(EXP_N_OVER_LN2, xd, -kd);   // z - k (fused with z's product, as glibc)
        double scale = (DoubleBits){.bits = exp2_table_bits[ki % EXP_TABLE_N] + (ki << 47)}.value;
        double r2 = r * r;
        double poly = mul_add(mul_add(EXP_R3, r, EXP_R2), r2, mul_add(EXP_R1, r, 1.0));
        // The ends, as glibc returns them (but without setting errno): above
        // ln(FLT_MAX) the float overflows to inf, below ln(2^-150) even the smallest
        // subnormal rounds to 0, and NaN stays NaN. The tests are on the bit patterns
        // (ordered like the values within one sign): integer selects, so the
        // compiler keeps the loop branch-free and vectorised.
        uint32_t arg_bits = (FloatBits){.value = arg}.bits;
        uint32_t result_bits = (FloatBits){.value = (float)(poly * scale)}.bits;
        result_bits = select_bits((arg_bits > 0x42b17217u) & (arg_bits < 0x80000000u), 0x7f800000u,
                                  result_bits);                                            // > 0x1.62e42ep6f
        result_bits = select_bits(arg_bits > 0xc2cff1b4u, 0u, result_bits);                    // < -0x1.9fe368p6f
        result_bits = select_bits((arg_bits & 0x7fffffffu) > 0x7f800000u, arg_bits, result_bits);  // NaN
        out[i] = (FloatBits){.bits = result_bits}.value;
    }
}
