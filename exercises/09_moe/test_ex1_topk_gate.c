// Grades exercise 09.1: choices and gates by hand, the gradient against central
// differences (in double, a few entries: the function is smooth while the choice holds).
#include <criterion/criterion.h>
#include <math.h>

void ex_topk_gate(const float *z, int E, int k, int renorm, int *choice, float *gate);
void ex_topk_gate_backward(const float *z, int E, int k, int renorm, const int *choice, const float *d_gate,
                           float *d_z);

Test(ex09_1, choices_and_gates_by_hand) {
    // z = (0, ln 3, ln 2, ln 3): p = (1, 3, 2, 3) / 9; top-2 = experts 1 and 3 (the tie
    // goes to the lower index first)
    float z[4] = {0, logf(3), logf(2), logf(3)}, gate[2];
    int choice[2];
    ex_topk_gate(z, 4, 2, 0, choice, gate);
    cr_assert(choice[0] == 1 && choice[1] == 3, "choices %d %d, expected 1 3", choice[0], choice[1]);
    cr_assert_float_eq(gate[0], 3.0f / 9, 1e-6);
    cr_assert_float_eq(gate[1], 3.0f / 9, 1e-6);
    ex_topk_gate(z, 4, 2, 1, choice, gate);   // renormalised: 3/6 each
    cr_assert_float_eq(gate[0], 0.5f, 1e-6);
    ex_topk_gate(z, 4, 1, 0, choice, gate);
    cr_assert(choice[0] == 1 && fabsf(gate[0] - 1.0f / 3) < 1e-6, "top-1: expert %d gate %g", choice[0], gate[0]);
}

static double loss(const float *z, int E, int k, int renorm, const float *w) {
    int choice[8];
    float gate[8];
    ex_topk_gate(z, E, k, renorm, choice, gate);
    double L = 0;
    for (int j = 0; j < k; j++) L += w[j] * gate[j];
    return L;
}

static void check(int k, int renorm) {
    float z[5] = {0.3f, -1.2f, 1.1f, 0.2f, 0.7f}, w[2] = {0.9f, -1.7f}, d_z[5];
    int choice[2];
    float gate[2];
    ex_topk_gate(z, 5, k, renorm, choice, gate);
    ex_topk_gate_backward(z, 5, k, renorm, choice, w, d_z);
    for (int i = 0; i < 5; i++) {
        float keep = z[i], h = 1e-3f;
        z[i] = keep + h;
        double up = loss(z, 5, k, renorm, w);
        z[i] = keep - h;
        double down = loss(z, 5, k, renorm, w);
        z[i] = keep;
        double numeric = (up - down) / (2 * h);
        cr_assert(fabs(numeric - d_z[i]) < 1e-3, "k %d renorm %d: d z[%d] = %g, differences say %g", k, renorm, i,
                  d_z[i], numeric);
    }
    // expert 1 is not chosen: without renormalisation it still gets a gradient through
    // the softmax's sum; renormalised gates are a softmax over the chosen logits alone
    if (renorm) cr_assert(fabsf(d_z[1]) < 1e-7f, "renormalised: d z[1] = %g, expected 0", d_z[1]);
    else cr_assert(fabsf(d_z[1]) > 1e-4f, "d z[1] = %g: the softmax's sum reaches every logit", d_z[1]);
}

Test(ex09_1, gradient_top1) { check(1, 0); }
Test(ex09_1, gradient_top2) { check(2, 0); }
Test(ex09_1, gradient_top2_renormalised) { check(2, 1); }
