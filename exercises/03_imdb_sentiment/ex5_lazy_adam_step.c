// Exercise 03.5 (**): one step of lazy (sparse) Adam.
// Read chapters/03_imdb_sentiment/README.md, section 03.4, and chapter 02's Adam (eqs. 2.15-2.17).
// `make exercise EX=03.5` compares your step with the chapter's lazy_adam_step.

// table, m, v are (rows, D). Update ONLY the U rows listed in rows, whose gradients are
// grad (U, D), as Adam step number t (t = 1 for the first step of training):
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
//   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
void ex_lazy_adam_step(float *table, float *m, float *v, const int *rows, const float *grad, int U, int D, long t,
                       float lr, float b1, float b2, float eps) {
    (void)table, (void)m, (void)v, (void)rows, (void)grad, (void)U, (void)D, (void)t, (void)lr, (void)b1, (void)b2,
        (void)eps;
    // TODO(03.5): for k < U, the row r = rows[k]: update m, v and table at r*D .. r*D+D-1.
}
