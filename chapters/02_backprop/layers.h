// layers.h: the first tensor-level layers of the book, each an explicit
// forward/backward pair. Every later chapter builds on these.
// Derivations: chapters/02_backprop/README.md, section "Tensor layers".
//
// Conventions (the whole book follows them):
//  - row-major float arrays, a batch of B rows;
//  - *_forward writes its output (=), *_backward ACCUMULATES (+=) into every
//    gradient buffer it is given, so gradients from several uses of a tensor add up;
//    a NULL gradient pointer means "not needed" (e.g. d_x of the first layer);
//  - the caller owns every buffer.
#ifndef CH02_LAYERS_H
#define CH02_LAYERS_H

// Fully connected layer, PyTorch layout: W is (Out,In), y = x W^T + b.
// x (B,In), W (Out,In), b (Out) or NULL -> y (B,Out)
void linear_forward(float *y, const float *x, const float *W, const float *b, int B, int In, int Out);
// d_y (B,Out) -> d_x (B,In) += d_y W;  d_W (Out,In) += d_y^T x;  d_b (Out) += sum_rows d_y
void linear_backward(float *d_x, float *d_W, float *d_b, const float *d_y, const float *x,
                     const float *W, int B, int In, int Out);

// x (n) -> y (n), y = max(0, x)
void relu_forward(float *y, const float *x, int n);
// d_x += d_y * [x > 0]
void relu_backward(float *d_x, const float *d_y, const float *x, int n);

// x (n) -> y (n), y = tanh(x)
void tanh_forward(float *y, const float *x, int n);
// d_x += d_y * (1 - y^2): written with the OUTPUT y, which the forward pass kept
void tanh_backward(float *d_x, const float *d_y, const float *y, int n);

// One row of C logits -> probabilities, numerically stable: subtracts the row's max
// first (README eq. (2.10)). Returns log sum_c exp(z_c), in double, for the loss.
// Chapter 04's attention applies it to the visible keys of each row.
double softmax_row(float *probs, const float *z, int C);

// Row-wise softmax, numerically stable (subtracts each row's max first).
// logits (B,C) -> probs (B,C)
void softmax_forward(float *probs, const float *logits, int B, int C);

// Softmax followed by cross-entropy with integer targets, fused because the
// gradient of the pair is simply (probs - onehot)/B.
// logits (B,C), targets (B) in [0,C) -> probs (B,C); returns the mean loss over B,
// computed as log-sum-exp - logit[target] (never log(0)).
float softmax_xent_forward(float *probs, const float *logits, const int *targets, int B, int C);
// The same, one loss per row: row_loss (B), in double, not averaged; for a caller that
// takes a batch a few rows at a time (chapter 09's output layer).
void softmax_xent_rows(float *probs, double *row_loss, const float *logits, const int *targets, int B, int C);
// d_logits (B,C) += (probs - onehot(targets)) / B
void softmax_xent_backward(float *d_logits, const float *probs, const int *targets, int B, int C);
// d_logits (rows,C) = (probs - onehot(targets)) / batch, for `rows` rows of a batch of
// `batch`, written, not added to: for a caller whose d_logits is its own scratch, which
// would otherwise have to be zeroed and read back. With rows = batch, the same bits as
// softmax_xent_backward into zeros.
void softmax_xent_backward_write(float *d_logits, const float *probs, const int *targets, int rows, int C,
                                 int batch);

// Index of the largest logit per row: logits (B,C) -> pred (B)
void argmax_rows(int *pred, const float *logits, int B, int C);

#endif
