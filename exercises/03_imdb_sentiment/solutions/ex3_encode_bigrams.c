// Exercise 03.3 (**): hashed bigrams -- reference solution.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/03_imdb_sentiment/tokenizer.h"
#include "chapters/03_imdb_sentiment/vocab.h"

int ex_encode_with_bigrams(const Vocab *v, const char *text, size_t len, int max_len, int buckets, int *ids) {
    TokIter it;
    tok_begin(&it, text, len);
    int n = 0, n_bi = 0;
    int *bigrams = malloc(sizeof(int) * (size_t)(max_len > 1 ? max_len - 1 : 1));
    uint64_t prev = 0;
    while (n < max_len && tok_next(&it)) {
        int id = vocab_find(v, it.word, it.len);
        ids[n] = id >= 0 ? id : VOCAB_OOV;
        uint64_t h = tok_hash(it.word, it.len);
        if (n > 0) bigrams[n_bi++] = v->n + vocab_bigram_bucket(prev, h, buckets);   // the pair (previous, this)
        prev = h;
        n++;
    }
    memcpy(ids + n, bigrams, sizeof(int) * (size_t)n_bi);
    free(bigrams);
    return n + n_bi;
}
