// Grades exercise 03.2: metrics from hand-made confusion matrices.
#include <criterion/criterion.h>
#include <math.h>

void ex_binary_metrics(long tp, long fp, long tn, long fn, double *accuracy, double *precision, double *recall,
                       double *f1);

Test(ex03_2, by_hand) {
    double a, p, r, f;
    ex_binary_metrics(40, 10, 45, 5, &a, &p, &r, &f);
    cr_assert_float_eq(a, 0.85, 1e-12, "accuracy %g, expected (40 + 45) / 100", a);
    cr_assert_float_eq(p, 0.8, 1e-12, "precision %g, expected 40 / (40 + 10)", p);
    cr_assert_float_eq(r, 40.0 / 45, 1e-12, "recall %g, expected 40 / (40 + 5)", r);
    cr_assert_float_eq(f, 80.0 / 95, 1e-12, "F1 %g, expected 2PR/(P+R) = 0.8421", f);
    // a classifier that calls almost everything positive: high recall, low precision
    ex_binary_metrics(9, 41, 9, 1, &a, &p, &r, &f);
    cr_assert_float_eq(a, 18.0 / 60, 1e-12);
    cr_assert_float_eq(p, 9.0 / 50, 1e-12);
    cr_assert_float_eq(r, 0.9, 1e-12);
    cr_assert_float_eq(f, 18.0 / 60, 1e-12, "F1 = 2tp / (2tp + fp + fn) = 18/60");
}

Test(ex03_2, empty_denominators_give_zero) {
    double a, p, r, f;
    ex_binary_metrics(0, 0, 30, 20, &a, &p, &r, &f);   // never says "positive"
    cr_assert(!isnan(p) && !isnan(f), "precision %g, F1 %g: 0/0 must be reported as 0", p, f);
    cr_assert(p == 0 && r == 0 && f == 0);
    cr_assert_float_eq(a, 0.6, 1e-12);
    ex_binary_metrics(0, 0, 0, 0, &a, &p, &r, &f);
    cr_assert(a == 0 && p == 0 && r == 0 && f == 0, "no examples at all: every metric 0");
}
