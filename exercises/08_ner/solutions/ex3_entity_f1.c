// Exercise 08.3, a solution.
typedef struct {
    int start, end, type;
} Span;

static int spans(const char *prefix, const int *type, int n, Span *out) {
    int count = 0, open = 0;
    for (int i = 0; i < n; i++) {
        const char p = prefix[i];
        const int starts = p == 'B' || (p == 'I' && (i == 0 || prefix[i - 1] == 'O' || type[i - 1] != type[i]));
        if (open && (p == 'O' || starts)) out[count - 1].end = i, open = 0;
        if (starts) out[count++] = (Span){i, n, type[i]}, open = 1;
    }
    return count;
}

double ex_entity_f1(const char *gold_prefix, const int *gold_type, const char *pred_prefix, const int *pred_type,
                    int n, int *n_gold, int *n_pred, int *n_correct) {
    Span g[64], q[64];
    int ng = spans(gold_prefix, gold_type, n, g), nq = spans(pred_prefix, pred_type, n, q), c = 0;
    for (int i = 0; i < ng; i++)
        for (int j = 0; j < nq; j++) c += g[i].start == q[j].start && g[i].end == q[j].end && g[i].type == q[j].type;
    *n_gold = ng, *n_pred = nq, *n_correct = c;
    double p = nq ? 100.0 * c / nq : 0, r = ng ? 100.0 * c / ng : 0;
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
}
