// Exercise 08.2, a solution.
void ex_iob1_to_iob2(char *prefix, const int *type, int n) {
    char prev = 'O';
    int prev_type = -1;
    for (int i = 0; i < n; i++) {
        char p = prefix[i];   // the IOB1 prefix, before it is rewritten
        if (p == 'I' && (prev == 'O' || prev_type != type[i])) prefix[i] = 'B';
        prev = p, prev_type = p == 'O' ? -1 : type[i];
    }
}
