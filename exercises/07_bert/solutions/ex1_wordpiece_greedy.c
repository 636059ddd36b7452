// Exercise 07.1, reference solution.
#include <string.h>

static int find(const char *const *vocab, int V, const char *piece, int len, int continuation) {
    for (int id = 0; id < V; id++) {
        const char *t = vocab[id];
        if (continuation) {
            if (t[0] != '#' || t[1] != '#') continue;
            t += 2;
        }
        if ((int)strlen(t) == len && !memcmp(t, piece, (size_t)len)) return id;
    }
    return -1;
}

int ex_wordpiece_word(const char *const *vocab, int V, const char *word, int n, int unk_id, int *out) {
    if (n > 100) {
        out[0] = unk_id;
        return 1;
    }
    int count = 0;
    for (int start = 0; start < n;) {
        int end = n, id = -1;
        for (; end > start; end--)   // the longest piece first
            if ((id = find(vocab, V, word + start, end - start, start > 0)) >= 0) break;
        if (id < 0) {   // no piece here: the whole word is unknown
            out[0] = unk_id;
            return 1;
        }
        out[count++] = id;
        start = end;
    }
    return count;
}
