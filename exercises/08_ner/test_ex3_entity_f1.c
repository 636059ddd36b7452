// Grades exercise 08.3 on sentences whose counts are worked out by hand.
#include <criterion/criterion.h>

double ex_entity_f1(const char *gold_prefix, const int *gold_type, const char *pred_prefix, const int *pred_type,
                    int n, int *n_gold, int *n_pred, int *n_correct);

enum { PER, LOC, ORG, MISC };

Test(ex08_3, exact_spans_only) {
    // gold PER(0-1) LOC(3) ORG(5-6); predicted PER(0-1) right, LOC(3-4) too long,
    // ORG(5) too short, MISC(7) extra: 1 correct of 3 gold and 4 predicted
    const char *gp = "BIOBOBIO", *pp = "BIOBIBOB";
    const int gt[] = {PER, PER, 0, LOC, 0, ORG, ORG, 0}, pt[] = {PER, PER, 0, LOC, LOC, ORG, 0, MISC};
    int g, p, c;
    double f1 = ex_entity_f1(gp, gt, pp, pt, 8, &g, &p, &c);
    cr_assert(g == 3 && p == 4 && c == 1, "gold %d predicted %d correct %d; expected 3, 4, 1", g, p, c);
    cr_assert_float_eq(f1, 2 * 25.0 * (100.0 / 3) / (25.0 + 100.0 / 3), 1e-9);
}

Test(ex08_3, invalid_predictions_as_conlleval_reads_them) {
    // "O I-PER I-PER" is one PER entity (1-2): correct against gold B-PER I-PER
    const char *gp = "OBI", *pp = "OII";
    const int gt[] = {0, PER, PER}, pt[] = {0, PER, PER};
    int g, p, c;
    cr_assert_float_eq(ex_entity_f1(gp, gt, pp, pt, 3, &g, &p, &c), 100.0, 1e-9);
    // "B-PER I-LOC" is PER(0) and LOC(1): nothing right against PER(0-1)
    const char *gp2 = "BI", *pp2 = "BI";
    const int gt2[] = {PER, PER}, pt2[] = {PER, LOC};
    cr_assert_float_eq(ex_entity_f1(gp2, gt2, pp2, pt2, 2, &g, &p, &c), 0.0, 1e-9);
    cr_assert(g == 1 && p == 2 && c == 0, "gold %d predicted %d correct %d; expected 1, 2, 0", g, p, c);
}

Test(ex08_3, wrong_type_same_span) {
    const char *gp = "OBO", *pp = "OBO";
    const int gt[] = {0, MISC, 0}, pt[] = {0, PER, 0};
    int g, p, c;
    cr_assert_float_eq(ex_entity_f1(gp, gt, pp, pt, 3, &g, &p, &c), 0.0, 1e-9);
    cr_assert(g == 1 && p == 1 && c == 0);
}
