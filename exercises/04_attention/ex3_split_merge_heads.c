// Exercise 04.3 (*): splitting a (B,T,C) tensor into heads and merging it back.
// Read chapters/04_attention/README.md, section "Multi-head attention", eq. (4.14).
// `make exercise EX=04.3` checks your answer.
#include <string.h>

// x (B,T,C) with C = NH*hd -> out (B,NH,T,hd): head h of position t is the slice
// x[b][t][h*hd .. h*hd+hd-1], and it goes to out[b][h][t][0..hd-1].
void ex_split_heads(float *out, const float *x, int B, int T, int NH, int hd) {
    (void)out, (void)x, (void)B, (void)T, (void)NH, (void)hd;
    // TODO(04.3): four nested loops (or three and a memcpy of hd floats).
}

// x (B,NH,T,hd) -> out (B,T,C): the inverse of ex_split_heads.
void ex_merge_heads(float *out, const float *x, int B, int T, int NH, int hd) {
    (void)out, (void)x, (void)B, (void)T, (void)NH, (void)hd;
    // TODO(04.3): the same loops with source and destination swapped.
}
