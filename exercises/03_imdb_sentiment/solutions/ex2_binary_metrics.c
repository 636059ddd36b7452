// Exercise 03.2 (*): metrics from a confusion matrix -- reference solution.
static double ratio(long num, long den) { return den > 0 ? (double)num / (double)den : 0.0; }

void ex_binary_metrics(long tp, long fp, long tn, long fn, double *accuracy, double *precision, double *recall,
                       double *f1) {
    *accuracy = ratio(tp + tn, tp + fp + tn + fn);   // (03.10)
    *precision = ratio(tp, tp + fp);                  // (03.11)
    *recall = ratio(tp, tp + fn);                     // (03.12)
    *f1 = ratio(2 * tp, 2 * tp + fp + fn);            // (03.13): 2PR/(P+R) simplified
}
