// Exercise 09.4, a solution.
double ex_alltoall_bytes(const int *kept, int P, int E, int C, int rank) {
    const int El = E / P;
    double rows = 0;
    for (int e = 0; e < E; e++)   // dispatch: my rows for experts elsewhere
        if (e / El != rank) rows += kept[rank * E + e];
    for (int p = 0; p < P; p++)   // combine: other processes' rows my experts computed
        if (p != rank)
            for (int e = rank * El; e < (rank + 1) * El; e++) rows += kept[p * E + e];
    return rows * C * 4.0;
}
