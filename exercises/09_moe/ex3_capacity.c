// Exercise 09.3 (*): capacity and dropping.
// Read chapters/09_moe/README.md, section 09.1 "Capacity".
// `make exercise EX=09.3` checks the rows and the drops on cases worked out by hand.
#include <math.h>

// N tokens, each with k choices (choice (N,k), choice[n*k + j] = token n's j-th expert),
// E experts, capacity factor cf: each expert takes at most cap = ceil(cf k N / E)
// choices. All first choices go first (in token order), then all second choices. Write
// row[n*k + j]: the choice's position in its expert's batch (0, 1, ...), or -1 if the
// expert was full. Return the number of dropped choices.
int ex_capacity_rows(const int *choice, int N, int k, int E, float cf, int *row) {
    (void)choice, (void)E, (void)cf;
    for (int i = 0; i < N * k; i++) row[i] = 0;
    // TODO(09.3): the capacity, then a counter per expert
    return 0;
}
