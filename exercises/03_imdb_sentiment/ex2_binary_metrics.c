// Exercise 03.2 (*): accuracy, precision, recall and F1 from a confusion matrix.
// Read chapters/03_imdb_sentiment/README.md, section 03.6 (equations 03.10-03.13), first.
// `make exercise EX=03.2` checks hand-computed values and the cases with an empty denominator.

// tp: positives called positive, fp: negatives called positive, tn, fn likewise.
// Write the four numbers. A ratio whose denominator is 0 is 0 (never NaN).
void ex_binary_metrics(long tp, long fp, long tn, long fn, double *accuracy, double *precision, double *recall,
                       double *f1) {
    (void)tp, (void)fp, (void)tn, (void)fn;
    // TODO(03.2): accuracy = correct / all; precision = tp / predicted positive;
    // recall = tp / truly positive; F1 = harmonic mean of precision and recall.
    *accuracy = *precision = *recall = *f1 = 0.0;
}
