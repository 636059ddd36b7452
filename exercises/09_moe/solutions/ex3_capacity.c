// Exercise 09.3, a solution.
#include <math.h>

int ex_capacity_rows(const int *choice, int N, int k, int E, float cf, int *row) {
    const int cap = (int)ceil((double)cf * k * N / E - 1e-6);   // 1.1f is 1.10000002
    int fill[64] = {0}, dropped = 0;
    for (int j = 0; j < k; j++)
        for (int n = 0; n < N; n++) {
            int e = choice[n * k + j];
            if (fill[e] < cap) row[n * k + j] = fill[e]++;
            else row[n * k + j] = -1, dropped++;
        }
    return dropped;
}
