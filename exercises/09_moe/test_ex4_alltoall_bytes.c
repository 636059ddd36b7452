// Grades exercise 09.4 on a case worked out by hand.
#include <criterion/criterion.h>

double ex_alltoall_bytes(const int *kept, int P, int E, int C, int rank);

Test(ex09_4, two_processes_four_experts) {
    // process 0 holds experts 0, 1; process 1 holds 2, 3. C = 10 floats = 40 bytes a row.
    //            e0 e1 e2 e3
    int kept[8] = {5, 3, 4, 2,    // process 0's rows
                   1, 6, 7, 0};   // process 1's rows
    // process 0 sends 4 + 2 = 6 rows to process 1's experts and returns 1 + 6 = 7 rows
    // that its experts computed for process 1: 13 rows x 40 bytes
    cr_assert_float_eq(ex_alltoall_bytes(kept, 2, 4, 10, 0), 520.0, 1e-9);
    // process 1: 1 + 6 = 7 out, 4 + 2 = 6 back
    cr_assert_float_eq(ex_alltoall_bytes(kept, 2, 4, 10, 1), 520.0, 1e-9);
}

Test(ex09_4, one_process_sends_nothing) {
    int kept[4] = {3, 1, 4, 1};
    cr_assert_float_eq(ex_alltoall_bytes(kept, 1, 4, 8, 0), 0.0, 1e-9);
}

Test(ex09_4, experts_live_in_blocks) {
    // 4 processes, 8 experts: process q holds experts 2q and 2q+1 (not e % 4).
    // Only process 0 has rows: e + 1 rows for expert e. It keeps 1 + 2 (experts 0, 1)
    // and sends the other 33; nobody sends it anything back to compute. 4 floats a row.
    int kept[32] = {1, 2, 3, 4, 5, 6, 7, 8};
    cr_assert_float_eq(ex_alltoall_bytes(kept, 4, 8, 4, 0), 33 * 16.0, 1e-9);
    // process 3 (experts 6, 7) sends nothing and returns process 0's 7 + 8 rows
    cr_assert_float_eq(ex_alltoall_bytes(kept, 4, 8, 4, 3), 15 * 16.0, 1e-9);
}
