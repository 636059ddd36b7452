// Exercise 09.4 (*): the all-to-all byte count of expert parallelism.
// Read chapters/09_moe/README.md, section 09.6.
// `make exercise EX=09.4` checks it on a case worked out by hand.

// P processes, E experts (process q holds experts [q E/P, (q+1) E/P)), width C floats
// of 4 bytes. kept (P,E): kept[p*E + e] = rows process p sends to expert e (its kept
// choices for e). Return the bytes process `rank` puts on the network in ONE forward
// pass: the rows it dispatches to other processes' experts, plus the rows it returns
// to other processes after its own experts ran. Rows that stay on `rank` cost nothing.
double ex_alltoall_bytes(const int *kept, int P, int E, int C, int rank) {
    (void)kept, (void)P, (void)E, (void)C, (void)rank;
    // TODO(09.4): dispatch: rows to other processes' experts; combine: rows back
    return 0;
}
