// logreg.h: logistic regression for two classes. The model is the linear model of
// linreg.h followed by a sigmoid: z = x w + b (the "logit"), p = sigma(z) = P(y=1 | x).
// Trained with the binary cross-entropy; derivations in README eqs. (01.13)-(01.17).
#ifndef CH01_LOGREG_H
#define CH01_LOGREG_H

// z (n) -> p (n), p = 1 / (1 + exp(-z)), computed without overflow for any z.  (01.13)
void logreg_sigmoid(float *p, const float *z, int n);

// Binary cross-entropy from logits, y_i in {0,1}:                           (01.14)
//   L = -(1/N) sum_i [ y_i log p_i + (1 - y_i) log(1 - p_i) ],  p_i = sigma(z_i)
// computed as (1/N) sum_i [ max(z_i,0) - y_i z_i + log(1 + exp(-|z_i|)) ], the same
// number without ever taking log(0) (a confident wrong prediction costs |z|, not inf).
// (01.15)
float bce_logits_forward(const float *z, const float *y, int N);
// d_z (N) += (sigma(z) - y) / N: the sigmoid's derivative cancels the log's.  (01.16)
void bce_logits_backward(float *d_z, const float *z, const float *y, int N);

// Predicted class per row: 1 when z >= 0 (p >= 1/2). x (N,D) -> pred (N).
void logreg_predict(int *pred, const float *x, const float *w, float b, int N, int D);
// Fraction of rows where pred equals the 0/1 label y.
float logreg_accuracy(const int *pred, const float *y, int N);

#endif
