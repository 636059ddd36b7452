// Exercise 03.3 (**): add hashed bigrams to a review's bag of words.
// Read chapters/03_imdb_sentiment/README.md, section 03.3 "Bigrams", first.
// `make exercise EX=03.3` compares your ids with the chapter's vocab_encode.
#include "chapters/03_imdb_sentiment/tokenizer.h"
#include "chapters/03_imdb_sentiment/vocab.h"

// Encode text (len bytes) as the chapter does with bigram_buckets = buckets > 0:
//   1. the ids of the first max_len tokens (VOCAB_OOV for words not in v), in order;
//   2. then, for each pair of adjacent kept tokens (a, b), the id
//      v->n + vocab_bigram_bucket(tok_hash(a), tok_hash(b), buckets).
// ids has room for 2 * max_len - 1 ints. Return how many ids you wrote.
int ex_encode_with_bigrams(const Vocab *v, const char *text, size_t len, int max_len, int buckets, int *ids) {
    TokIter it;
    tok_begin(&it, text, len);
    int n = 0;
    while (n < max_len && tok_next(&it)) {
        int id = vocab_find(v, it.word, it.len);
        ids[n++] = id >= 0 ? id : VOCAB_OOV;
    }
    (void)buckets;
    // TODO(03.3): append one bigram id per adjacent pair of the n kept tokens.
    // Hint: remember each token's tok_hash(it.word, it.len) as you go (the previous
    // one is enough if you write the bigrams into a second buffer and copy them after
    // the unigrams). n tokens give n - 1 bigrams; one token gives none.
    return n;
}
