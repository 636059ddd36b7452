// Exercise 06.1 (*): the sinusoidal positional encoding.
// Read chapters/06_seq2seq/README.md, section "Where a token is", first.
// `make exercise EX=06.1` checks your table against equation (6.1) and its key property.

// Fill pe (T_max, C), C even, row t = position t:
//   pe[t, 2i]   = sin(t / 10000^(2i/C))
//   pe[t, 2i+1] = cos(t / 10000^(2i/C))        for i = 0 .. C/2 - 1
void ex_posenc_sinusoidal(float *pe, int T_max, int C) {
    (void)pe, (void)T_max, (void)C;
    // TODO(06.1): two nested loops; compute the angle in double (pow from <math.h>).
}
