// tests/test_03_tokenizer.c: chapter 03's tokenizer and vocabulary. Every rule of
// tokenizer.h by example; the vocabulary's order (count, then bytes), min count, max
// size, PAD/OOV; truncation, padding and hashed bigrams; the vocab file round trip and
// malformed vocab files.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chapters/03_imdb_sentiment/imdb.h"
#include "chapters/03_imdb_sentiment/tokenizer.h"
#include "chapters/03_imdb_sentiment/vocab.h"

enum { MAXT = 64, STRIDE = TOK_MAX_BYTES + 1 };
static char toks[MAXT][STRIDE];

// Tokenizes s and checks the tokens against the NULL-terminated list want.
static void expect_tokens(const char *s, const char *const *want) {
    int n = tok_split(s, strlen(s), &toks[0][0], STRIDE, MAXT), k = 0;
    for (; want[k]; k++) {
        cr_assert_lt(k, n, "\"%s\": only %d tokens, expected \"%s\" at %d", s, n, want[k], k);
        cr_assert_str_eq(toks[k], want[k], "\"%s\": token %d is \"%s\", expected \"%s\"", s, k, toks[k], want[k]);
    }
    cr_assert_eq(n, k, "\"%s\": %d tokens, expected %d", s, n, k);
}

#define EXPECT(s, ...) expect_tokens(s, (const char *const[]){__VA_ARGS__, NULL})

Test(ch03_tokenizer, lower_cases_ascii_letters) {
    EXPECT("GREAT Film", "great", "film");
    EXPECT("MiXeD123", "mixed123");
}

Test(ch03_tokenizer, removes_html_line_breaks_in_every_spelling) {
    EXPECT("end.<br /><br />Next", "end", ".", "next");
    EXPECT("a<br/>b<BR>c<Br  />d<br>", "a", "b", "c", "d");
    // other tags are not line breaks: their characters are punctuation and words
    EXPECT("<i>x</i>", "<", "i", ">", "x", "<", "/", "i", ">");
    EXPECT("<brother>", "<", "brother", ">");   // not a break: "<br" must be followed by spaces, '/' or '>'
}

Test(ch03_tokenizer, splits_punctuation_into_single_tokens) {
    EXPECT("Wow!!! 7/10, really?!", "wow", "!", "!", "!", "7", "/", "10", ",", "really", "?", "!");
    EXPECT("well-made (sort of)...", "well", "-", "made", "(", "sort", "of", ")", ".", ".", ".");
}

Test(ch03_tokenizer, apostrophes_inside_words_stay_outside_words_go) {
    EXPECT("Don't say 'boring' -- it's the actors' best", "don't", "say", "boring", "-", "-", "it's", "the",
           "actors", "best");
    // typographic apostrophes (U+2019, U+00B4) are read as "'"
    EXPECT("don\xe2\x80\x99t won\xc2\xb4t", "don't", "won't");
}

Test(ch03_tokenizer, non_ascii_letters_are_word_characters_punctuation_separates) {
    // é, ï kept (no case folding beyond ASCII); em dash, curly quotes, ellipsis, nbsp separate
    EXPECT("Am\xc3\xa9lie na\xc3\xafve", "am\xc3\xa9lie", "na\xc3\xafve");
    EXPECT("good\xe2\x80\x94really \xe2\x80\x9c"
           "fun\xe2\x80\x9d\xe2\x80\xa6 a\xc2\xa0"
           "b",
           "good", "really", "fun", "a", "b");
    EXPECT("\xe6\x98\xa0\xe7\x94\xbb \xf0\x9f\x98\x80", "\xe6\x98\xa0\xe7\x94\xbb", "\xf0\x9f\x98\x80");
}

Test(ch03_tokenizer, invalid_utf8_bytes_read_as_u_fffd_and_never_crash) {
#define FFFD "\xef\xbf\xbd"
    EXPECT("caf\xe9 ok", "caf" FFFD, "ok");             // a Latin-1 byte
    EXPECT("a\xc3", "a" FFFD);                          // a sequence cut off at the end
    EXPECT("x\xf0\x9f\x98y", "x" FFFD FFFD FFFD "y");    // a 4-byte sequence with 3 bytes
    EXPECT("\xc0\xaf \xed\xa0\x80", FFFD FFFD, FFFD FFFD FFFD);   // overlong '/', a surrogate
#undef FFFD
}

// Training reads files through imdb_utf8_repair; --predict tokenizes the command line as
// it is. Both must give the same ids for the same bytes.
Test(ch03_tokenizer, raw_and_repaired_text_give_the_same_ids) {
    const char *texts[] = {"caf\xe9 caf\xe9 ok", "a\xc3", "x\xf0\x9f\x98y don\x92t", "\x80\x80\xbf bad",
                           "good\xe2\x80 film"};
    int n_texts = (int)(sizeof texts / sizeof texts[0]);
    char *fixed[8];
    size_t fixed_len[8];
    for (int i = 0; i < n_texts; i++)
        cr_assert_gt(imdb_utf8_repair(texts[i], strlen(texts[i]), &fixed[i], &fixed_len[i]), 0);
    Vocab counter, v;
    vocab_init(&counter);
    for (int i = 0; i < n_texts; i++) vocab_count_text(&counter, fixed[i], fixed_len[i]);   // as training does
    vocab_build(&v, &counter, 1, 1000);
    vocab_free(&counter);
    EncodeOpts eo = {.max_len = 100, .bigram_buckets = 64};
    for (int i = 0; i < n_texts; i++) {
        int a[300], b[300];
        EncodeInfo ia, ib;
        int na = vocab_encode(&v, texts[i], strlen(texts[i]), &eo, a, &ia);
        int nb = vocab_encode(&v, fixed[i], fixed_len[i], &eo, b, &ib);
        cr_assert_eq(na, nb, "text %d: %d ids raw, %d repaired", i, na, nb);
        cr_assert_eq(ia.oov, 0, "text %d: %ld raw tokens not in a vocabulary made from the repaired text", i, ia.oov);
        for (int k = 0; k < na; k++) cr_assert_eq(a[k], b[k], "text %d, id %d: %d raw, %d repaired", i, k, a[k], b[k]);
        free(fixed[i]);
    }
    vocab_free(&v);
}

Test(ch03_tokenizer, long_words_are_cut_at_the_limit_and_at_a_character_boundary) {
    char s[400];
    memset(s, 'a', 300);
    strcpy(s + 300, " end");
    int n = tok_split(s, strlen(s), &toks[0][0], STRIDE, MAXT);
    cr_assert_eq(n, 2);
    cr_assert_eq(strlen(toks[0]), TOK_MAX_BYTES);
    cr_assert_str_eq(toks[1], "end");
    // 63 ASCII letters then 'é' (2 bytes): the é would end at byte 65, so it is dropped
    memset(s, 'b', 63);
    strcpy(s + 63, "\xc3\xa9\xc3\xa9 z");
    n = tok_split(s, strlen(s), &toks[0][0], STRIDE, MAXT);
    cr_assert_eq(n, 2);
    cr_assert_eq(strlen(toks[0]), 63, "cut inside a character: %zu bytes", strlen(toks[0]));
}

Test(ch03_tokenizer, empty_and_blank_texts_have_no_tokens) {
    cr_assert_eq(tok_split("", 0, &toks[0][0], STRIDE, MAXT), 0);
    const char *blank = " \t\n<br /><br />";
    cr_assert_eq(tok_split(blank, strlen(blank), &toks[0][0], STRIDE, MAXT), 0);
    // the length is what counts, not a NUL: text need not be NUL-terminated
    cr_assert_eq(tok_split("abc def", 3, &toks[0][0], STRIDE, MAXT), 1);
}

Test(ch03_tokenizer, hash_is_fnv1a) {
    // FNV-1a 64 of "" is the offset basis; of "a", a published test vector
    cr_assert_eq(tok_hash("", 0), 0xcbf29ce484222325ull);
    cr_assert_eq(tok_hash("a", 1), 0xaf63dc4c8601ec8cull);
}

// ---- the vocabulary -------------------------------------------------------------------

// A counter from a text, then a vocabulary.
static void build(Vocab *v, const char *text, long min_count, int max_size) {
    Vocab c;
    vocab_init(&c);
    vocab_count_text(&c, text, strlen(text));
    vocab_build(v, &c, min_count, max_size);
    vocab_free(&c);
}

Test(ch03_vocab, most_frequent_first_ties_by_bytes_specials_first) {
    Vocab v;
    // counts: the 4, b 2, a 2, c 1, zebra 2
    build(&v, "the zebra the b a the c b a the zebra", 1, 100);
    cr_assert_eq(v.n, 7);
    const char *want[7] = {"<pad>", "<unk>", "the", "a", "b", "zebra", "c"};
    for (int i = 0; i < 7; i++) cr_assert_str_eq(vocab_word(&v, i), want[i], "id %d is %s", i, vocab_word(&v, i));
    cr_assert_eq(v.count[2], 4);
    cr_assert_eq(vocab_find(&v, "zebra", 5), 5);
    cr_assert_eq(vocab_find(&v, "zebr", 4), -1);
    vocab_free(&v);
}

Test(ch03_vocab, same_counts_give_same_ids_whatever_the_text_order) {
    Vocab v1, v2;
    build(&v1, "x y z y z x w", 1, 100);
    build(&v2, "w z z y x y x", 1, 100);
    cr_assert_eq(v1.n, v2.n);
    for (int i = 0; i < v1.n; i++) cr_assert_str_eq(vocab_word(&v1, i), vocab_word(&v2, i));
    cr_assert_eq(vocab_fingerprint(&v1), vocab_fingerprint(&v2));
    vocab_free(&v1);
    vocab_free(&v2);
}

Test(ch03_vocab, min_count_and_max_size) {
    Vocab v;
    build(&v, "a a a b b c d d e", 2, 100);   // c and e seen once
    cr_assert_eq(v.n, 2 + 3);
    cr_assert_eq(vocab_find(&v, "c", 1), -1);
    vocab_free(&v);
    build(&v, "a a a b b c d d e", 1, 4);     // max 4 entries: <pad> <unk> a, then b before d (tie, bytes)
    cr_assert_eq(v.n, 4);
    cr_assert_str_eq(vocab_word(&v, 3), "b");
    vocab_free(&v);
}

Test(ch03_vocab, many_words_survive_table_growth) {
    Vocab c;
    vocab_init(&c);
    char w[16];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(w, sizeof w, "w%d", i);
        vocab_add(&c, w, n, i % 7 + 1);
    }
    cr_assert_eq(c.n, 5000);
    for (int i = 0; i < 5000; i += 97) {
        int n = snprintf(w, sizeof w, "w%d", i);
        cr_assert_eq(vocab_find(&c, w, n), i);
        cr_assert_eq(c.count[i], i % 7 + 1);
    }
    vocab_free(&c);
}

Test(ch03_vocab, encode_maps_oov_truncates_and_pads) {
    Vocab v;
    build(&v, "good film good bad", 1, 100);   // <pad> <unk> good bad film
    EncodeOpts o = {.max_len = 4, .bigram_buckets = 0};
    int ids[8];
    EncodeInfo info;
    int n = vocab_encode(&v, "Good, GOOD film!", 16, &o, ids, &info);
    cr_assert_eq(n, 4);   // good , good film -- "!" cut by max_len
    int want[4] = {2, VOCAB_OOV, 2, 4};
    for (int i = 0; i < 4; i++) cr_assert_eq(ids[i], want[i], "ids[%d] = %d", i, ids[i]);
    cr_assert_eq(info.tokens, 5);
    cr_assert_eq(info.kept, 4);
    cr_assert_eq(info.oov, 1);
    cr_assert_eq(vocab_encoded_len("Good, GOOD film!", 16, &o), 4);
    int padded[6];
    vocab_pad(padded, ids, 3, 6);
    int want_pad[6] = {2, VOCAB_OOV, 2, VOCAB_PAD, VOCAB_PAD, VOCAB_PAD};
    for (int i = 0; i < 6; i++) cr_assert_eq(padded[i], want_pad[i]);
    vocab_pad(padded, ids, 4, 2);   // truncation
    cr_assert(padded[0] == 2 && padded[1] == VOCAB_OOV);
    cr_assert_eq(vocab_encode(&v, "", 0, &o, ids, NULL), 0);
    vocab_free(&v);
}

Test(ch03_vocab, bigrams_follow_the_unigrams_in_buckets_after_the_vocabulary) {
    Vocab v;
    build(&v, "not good not bad", 1, 100);
    int V = v.n, B = 1 << 10;
    EncodeOpts o = {.max_len = 3, .bigram_buckets = B};
    int ids[5];
    int n = vocab_encode(&v, "not good at all", 15, &o, ids, NULL);
    cr_assert_eq(n, 3 + 2, "3 kept tokens give 2 bigrams, got %d ids", n);
    cr_assert_eq(vocab_encoded_len("not good at all", 15, &o), 5);
    cr_assert_eq(ids[2], VOCAB_OOV);   // "at" is unknown as a word...
    int b1 = vocab_bigram_bucket(tok_hash("not", 3), tok_hash("good", 4), B);
    int b2 = vocab_bigram_bucket(tok_hash("good", 4), tok_hash("at", 2), B);
    cr_assert_eq(ids[3], V + b1);
    cr_assert_eq(ids[4], V + b2);      // ...but "good at" still has its own bucket
    // order matters: "good not" is another bigram than "not good" (unless they collide)
    cr_assert_neq(vocab_bigram_bucket(tok_hash("good", 4), tok_hash("not", 3), 1 << 20),
                  vocab_bigram_bucket(tok_hash("not", 3), tok_hash("good", 4), 1 << 20));
    // one token: no bigram
    cr_assert_eq(vocab_encode(&v, "good", 4, &o, ids, NULL), 1);
    vocab_free(&v);
}

Test(ch03_vocab, bigram_buckets_are_spread_evenly) {
    enum { B = 64, N = 64000 };
    int count[B] = {0};
    for (int i = 0; i < N; i++) count[vocab_bigram_bucket((uint64_t)i * 7919u, (uint64_t)i + 1, B)]++;
    for (int b = 0; b < B; b++)   // expected 1000 each; 6 standard deviations either way
        cr_assert(count[b] > 1000 - 190 && count[b] < 1000 + 190, "bucket %d has %d", b, count[b]);
}

// ---- the vocab file -------------------------------------------------------------------

static char tmp_dir[] = "/tmp/book_test_03_vocab_XXXXXX";
static void make_tmp(void) { cr_assert_not_null(mkdtemp(tmp_dir)); }

static const char *write_tmp(const char *name, const char *text) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

Test(ch03_vocab, file_round_trip, .init = make_tmp) {
    Vocab v, back;
    build(&v, "caf\xc3\xa9 don't ! ! the the the x", 1, 100);
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/vocab.txt", tmp_dir);
    cr_assert_eq(vocab_save(&v, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(vocab_load(&back, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back.n, v.n);
    for (int i = 0; i < v.n; i++) {
        cr_assert_str_eq(vocab_word(&back, i), vocab_word(&v, i));
        cr_assert_eq(back.count[i], v.count[i]);
        cr_assert_eq(vocab_find(&back, vocab_word(&v, i), (int)strlen(vocab_word(&v, i))), i);
    }
    cr_assert_eq(vocab_fingerprint(&back), vocab_fingerprint(&v));
    vocab_free(&v);
    vocab_free(&back);
    remove(path);
    rmdir(tmp_dir);
}

Test(ch03_vocab, malformed_files_give_path_line_and_reason, .init = make_tmp) {
    struct {
        const char *text, *expect;
    } cases[] = {
        {"<unk>\t0\n<pad>\t0\n", ":1: the first word must be <pad>"},
        {"<pad>\t0\nthe\t5\n", ":2: the second word must be <unk>"},
        {"<pad>\t0\n<unk>\t0\nthe 5\n", ":3: expected 'word<TAB>count'"},
        {"<pad>\t0\n<unk>\t0\nthe\tmany\n", ":3: the count after the tab is not a number"},
        {"<pad>\t0\n<unk>\t0\nthe\t5\nthe\t4\n", ":4: 'the' appears twice"},
        {"<pad>\t0\n<unk>\t0\n\t5\n", ":3: empty word"},
        {"<pad>\t0\n", "a vocabulary starts with"},
        {"", "a vocabulary starts with"},
    };
    char err[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Vocab v;
        const char *path = write_tmp("bad.txt", cases[i].text);
        cr_assert_eq(vocab_load(&v, path, err, sizeof err), -1, "case %zu loaded", i);
        cr_assert_not_null(strstr(err, cases[i].expect), "case %zu: got \"%s\", expected \"%s\"", i, err,
                           cases[i].expect);
        cr_assert_not_null(strstr(err, "bad.txt"), "case %zu: the message must name the file: %s", i, err);
        remove(path);
    }
    Vocab v;
    cr_assert_eq(vocab_load(&v, "/nonexistent/vocab.txt", err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "/nonexistent/vocab.txt: cannot read"), "%s", err);
    // Windows line endings are accepted
    const char *path = write_tmp("crlf.txt", "<pad>\t0\r\n<unk>\t0\r\nthe\t5\r\n");
    cr_assert_eq(vocab_load(&v, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(vocab_find(&v, "the", 3), 2);
    vocab_free(&v);
    remove(path);
    rmdir(tmp_dir);
}
