// Grades exercise 03.3: the ids with hashed bigrams, compared with vocab_encode.
#include <criterion/criterion.h>
#include <string.h>

#include "chapters/03_imdb_sentiment/vocab.h"

int ex_encode_with_bigrams(const Vocab *v, const char *text, size_t len, int max_len, int buckets, int *ids);

Test(ex03_3, matches_the_chapter_encoder) {
    Vocab c, v;
    vocab_init(&c);
    const char *train = "not good . not bad at all . a good film , not a bad one";
    vocab_count_text(&c, train, strlen(train));
    vocab_build(&v, &c, 1, 100);
    vocab_free(&c);
    const char *texts[] = {"Not good at all!", "good", "", "a zebra and an okapi walk into a bar, not bad",
                           "not not not not not not not not not not not not"};
    int max_lens[] = {3, 10, 100};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        for (int j = 0; j < 3; j++) {
            EncodeOpts o = {.max_len = max_lens[j], .bigram_buckets = 1 << 10};
            int want[300], got[300];
            int n_want = vocab_encode(&v, texts[k], strlen(texts[k]), &o, want, NULL);
            int n_got = ex_encode_with_bigrams(&v, texts[k], strlen(texts[k]), max_lens[j], 1 << 10, got);
            cr_assert_eq(n_got, n_want, "\"%s\", max_len %d: %d ids, expected %d", texts[k], max_lens[j], n_got, n_want);
            for (int i = 0; i < n_want; i++)
                cr_assert_eq(got[i], want[i], "\"%s\", max_len %d: ids[%d] = %d, expected %d", texts[k], max_lens[j], i,
                             got[i], want[i]);
        }
    vocab_free(&v);
}
