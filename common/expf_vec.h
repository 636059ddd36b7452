// expf_vec.h: expf over a whole array at once, vectorised, with glibc's bits.
//
// A language model's loss takes a softmax over its 8,192 words for each of 2,048
// tokens: 17M exponentials a step (chapter 09). A loop that calls expf() per element
// cannot be vectorised (the compiler cannot see into a library call); this one can,
// and on the machine of chapter 09's tables it runs ~5x faster than the calls.
#ifndef COMMON_EXPF_VEC_H
#define COMMON_EXPF_VEC_H

// out[i] = expf(x[i] - shift), i < n. out may be x itself (in place), not a shifted
// part of it. Same result as libm's expf to the last bit on glibc x86-64 with FMA
// (tested on every float the softmax can pass, [-104, 0]); elsewhere within one unit
// in the last place of the exact value.
void expf_shifted(float *out, const float *x, float shift, int n);

#endif
