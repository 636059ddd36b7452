// expf_vec.h: expf over a whole array at once, vectorised, with glibc's bits.
//
// A language model's loss takes a softmax over its 8,192 words for each of 2,048
// tokens: 17M exponentials a step (chapter 09). A loop that calls expf() per element
// cannot be vectorised (the compiler cannot see into a library call); this one can:
// 1.2 ns a float against libm's 6.5 on the AMD EPYC of chapter 09's tables (one
// thread, rows of 8,192).
#ifndef COMMON_EXPF_VEC_H
#define COMMON_EXPF_VEC_H

// out[i] = expf(x[i] - shift), i < n. out may be x itself (in place), not a shifted
// part of it. On glibc (2.27 or later) x86-64 with FMA it gives libm's expf to the last
// bit: checked by hand on all 1,120,927,745 floats of [-104, 0], the arguments a
// softmax passes (tests/test_common_expf.c samples every 127th of them, and of
// [0, 89]). Elsewhere it is within one unit in the last place of the exact value. Unlike
// libm it never sets errno.
void expf_shifted(float *out, const float *x, float shift, int n);

#endif
