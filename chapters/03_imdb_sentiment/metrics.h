// metrics.h: how good is a binary classifier? Counts of the four outcomes, and what
// they give. README section 03.6, eqs. (03.10)-(03.13).
//
//                    predicted positive   predicted negative
//   truly positive          tp                   fn
//   truly negative          fp                   tn
#ifndef CH03_METRICS_H
#define CH03_METRICS_H

typedef struct {
    long tp, fp, tn, fn;
} Confusion;

// Adds n predictions to c: predicted positive when probs[i] >= threshold; labels 1/0.
void confusion_add(Confusion *c, const float *probs, const int *labels, int n, float threshold);

typedef struct {
    double accuracy;    // (tp + tn) / all
    double precision;   // tp / (tp + fp): of the reviews called positive, how many are
    double recall;      // tp / (tp + fn): of the positive reviews, how many were found
    double f1;          // harmonic mean 2 P R / (P + R)
} BinaryMetrics;

// A ratio with an empty denominator (no positive predictions, no positive labels,
// no examples at all) is 0, never NaN: a classifier that never says "positive" has
// found nothing, and the report should say so with a number.
BinaryMetrics binary_metrics(const Confusion *c);

#endif
