// metrics.c: the counts and ratios of metrics.h.
#include "chapters/03_imdb_sentiment/metrics.h"

void confusion_add(Confusion *c, const float *probs, const int *labels, int n, float threshold) {
    for (int i = 0; i < n; i++) {
        int pred = probs[i] >= threshold;
        if (pred && labels[i]) c->tp++;
        else if (pred) c->fp++;
        else if (labels[i]) c->fn++;
        else c->tn++;
    }
}

static double ratio(long num, long den) { return den > 0 ? (double)num / (double)den : 0.0; }

BinaryMetrics binary_metrics(const Confusion *c) {
    BinaryMetrics m;
    m.accuracy = ratio(c->tp + c->tn, c->tp + c->tn + c->fp + c->fn);   // (03.10)
    m.precision = ratio(c->tp, c->tp + c->fp);                           // (03.11)
    m.recall = ratio(c->tp, c->tp + c->fn);                              // (03.12)
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;   // (03.13)
    return m;
}
