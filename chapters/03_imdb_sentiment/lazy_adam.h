// lazy_adam.h: Adam for a huge embedding table, touching only the rows a batch used.
// README section 03.4 "Why lazy Adam".
//
// Adam's rule is chapter 02's (chapters/02_backprop/optim.h, README eqs. 2.15-2.17):
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  w -= lr * m_hat / (sqrt(v_hat) + eps)
// with m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t). Dense Adam applies it to every
// entry every step, also where g = 0. With 2.1 million embedding rows (words + bigram
// buckets) and a batch of 32 reviews that touches 8,444 of them on average (measured,
// README 03.4), that is 254 times more entries than the batch touched, and it keeps
// moving rows the batch never saw (their m is not yet 0).
//
// Lazy Adam (PyTorch's SparseAdam, TensorFlow's LazyAdamOptimizer) updates m, v and
// the weights of the touched rows only; the other rows, and their m and v, stay as
// they are until a batch uses them again. t counts all steps, so the bias correction
// is the same as dense Adam's. For a row used in every step the two are identical
// (tests/test_03_layers.c checks this against chapter 02's adam_step).
#ifndef CH03_LAZY_ADAM_H
#define CH03_LAZY_ADAM_H

#include <stddef.h>

typedef struct {
    float lr, beta1, beta2, eps;
    long t;          // steps taken
    float *m, *v;    // (rows, dim) moment estimates, zero at the start
    size_t rows;
    int dim;
} LazyAdam;

void lazy_adam_init(LazyAdam *opt, size_t rows, int dim, float lr, float beta1, float beta2, float eps);
void lazy_adam_free(LazyAdam *opt);

// One step. rows (U) are distinct row ids of table (rows, dim); grad (U, dim) holds
// their gradients, row k for rows[k]. Only these U rows of table, m and v change.
void lazy_adam_step(LazyAdam *opt, float *table, const int *rows, const float *grad, int U);

#endif
