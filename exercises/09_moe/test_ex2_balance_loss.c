// Grades exercise 09.2 on routers whose loss is worked out by hand.
#include <criterion/criterion.h>

double ex_balance_loss(const int *choice, const float *probs, int N, int E, float alpha, float *d_probs);

Test(ex09_2, balanced_gives_alpha) {
    // 4 tokens, 2 experts, two tokens each: f = (1/2, 1/2), so the loss is
    // alpha 2 (P_0 + P_1) / 2 = alpha, whatever the probabilities
    int choice[4] = {0, 1, 1, 0};
    float probs[8] = {0.9f, 0.1f, 0.3f, 0.7f, 0.2f, 0.8f, 0.6f, 0.4f}, d[8];
    cr_assert_float_eq(ex_balance_loss(choice, probs, 4, 2, 0.01f, d), 0.01, 1e-7);
    // P_i is a mean over ALL tokens: every p[n][i], chosen or not, gets alpha E f_i / N
    for (int i = 0; i < 8; i++) cr_assert_float_eq(d[i], 0.0025f, 1e-9, "d p[%d][%d]", i / 2, i % 2);
}

Test(ex09_2, collapsed_router_is_penalised) {
    // all 4 to expert 0: f = (1, 0); P_0 = (0.9 + 0.8 + 0.7 + 0.6) / 4 = 0.75;
    // loss = 0.01 x 2 x 0.75 = 0.015, above the balanced 0.01
    int choice[4] = {0, 0, 0, 0};
    float probs[8] = {0.9f, 0.1f, 0.8f, 0.2f, 0.7f, 0.3f, 0.6f, 0.4f}, d[8];
    cr_assert_float_eq(ex_balance_loss(choice, probs, 4, 2, 0.01f, d), 0.015, 1e-7);
    // d loss / d p_{n,0} = alpha E f_0 / N = 0.01 x 2 x 1 / 4; expert 1's: 0 (f_1 = 0):
    // lowering p_0 anywhere lowers the loss, which pushes tokens away from expert 0
    for (int n = 0; n < 4; n++) {
        cr_assert_float_eq(d[n * 2], 0.005f, 1e-8, "d p[%d][0]", n);
        cr_assert_float_eq(d[n * 2 + 1], 0.0f, 1e-8, "d p[%d][1]", n);
    }
}
