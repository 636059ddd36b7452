// tests/test_07_tokenizer.c: chapter 07's tokenizer, stage by stage, against values
// worked out by hand from the rules of Hugging Face's BertTokenizer (wordpiece.h):
// UTF-8 decoding (every kind of invalid sequence), the Unicode classes, lower-casing
// and NFD, the basic tokenizer, greedy longest-match-first WordPiece, special tokens in
// the text, vocab.txt loading (and its errors), and the WordPiece trainer on a corpus
// small enough to follow each merge.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chapters/07_bert/unicode.h"
#include "chapters/07_bert/wordpiece.h"
#include "chapters/07_bert/wp_train.h"
#include "common/rng.h"

// ---- UTF-8 and Unicode ------------------------------------------------------------------------

Test(ch07_unicode, utf8_decodes_and_rejects) {
    struct {
        const char *s;
        uint32_t cp;
        int used, invalid;
    } cases[] = {
        {"A", 'A', 1, 0},
        {"\xc3\xa9", 0xE9, 2, 0},
        {"\xe6\x97\xa5", 0x65E5, 3, 0},
        {"\xf0\x9f\x98\x80", 0x1F600, 4, 0},
        {"\x80", UNI_REPLACEMENT, 1, 1},              // stray continuation byte
        {"\xc0\xaf", UNI_REPLACEMENT, 1, 1},          // overlong '/'
        {"\xe0\x80\xaf", UNI_REPLACEMENT, 1, 1},      // overlong, 3 bytes
        {"\xed\xa0\x80", UNI_REPLACEMENT, 1, 1},      // a surrogate
        {"\xf4\x90\x80\x80", UNI_REPLACEMENT, 1, 1},  // above U+10FFFF
        {"\xe2\x82", UNI_REPLACEMENT, 1, 1},          // truncated
        {"\xff", UNI_REPLACEMENT, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cp;
        int invalid;
        int used = utf8_decode((const unsigned char *)cases[i].s, strlen(cases[i].s), &cp, &invalid);
        cr_assert(cp == cases[i].cp && used == cases[i].used && invalid == cases[i].invalid,
                  "case %zu: cp %X used %d invalid %d", i, cp, used, invalid);
    }
    char buf[4];
    const uint32_t round[] = {0x41, 0xE9, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF};
    for (size_t i = 0; i < sizeof round / sizeof round[0]; i++) {
        uint32_t cp;
        int invalid, n = utf8_encode(round[i], buf);
        cr_assert_eq(utf8_decode((unsigned char *)buf, (size_t)n, &cp, &invalid), n);
        cr_assert(cp == round[i] && !invalid);
    }
    size_t bad;
    cr_assert(utf8_valid("ok \xc3\xa9", 5, &bad));
    cr_assert(!utf8_valid("ok\xc3", 3, &bad));
    cr_assert_eq(bad, 2);
}

Test(ch07_unicode, classes_follow_the_general_category) {
    cr_assert(uni_is_punct(',') && uni_is_punct('$') && uni_is_punct('~') && uni_is_punct('`'));
    cr_assert(!uni_is_punct('a') && !uni_is_punct('7') && !uni_is_punct(' '));
    cr_assert(uni_is_punct(0x2014) && uni_is_punct(0xBF) && uni_is_punct(0x201C));   // — ¿ “
    cr_assert(!uni_is_punct(0x20AC) && !uni_is_punct(0xA9));   // € © are symbols (S*), kept in words
    cr_assert(uni_is_whitespace(' ') && uni_is_whitespace('\t') && uni_is_whitespace(0xA0) &&
              uni_is_whitespace(0x3000) && uni_is_whitespace(0x2028));
    cr_assert(!uni_is_whitespace('x') && !uni_is_whitespace(0x200B));
    cr_assert(uni_is_control(0x01) && uni_is_control(0x85) && uni_is_control(0xAD) && uni_is_control(0x200B) &&
              uni_is_control(0xE000) && uni_is_control(0x0378));   // Cc Cc Cf Cf Co Cn
    cr_assert(!uni_is_control('\t') && !uni_is_control('\n') && !uni_is_control('\r') && !uni_is_control('a'));
    cr_assert_eq(uni_class(0x301), UNI_MARK);
    cr_assert(uni_is_cjk(0x4E2D) && uni_is_cjk(0x20000) && !uni_is_cjk(0x3042) && !uni_is_cjk(0xAC00));
}

Test(ch07_unicode, lower_case_and_nfd) {
    uint32_t out[8];
    cr_assert(uni_lower('A', out) == 1 && out[0] == 'a');
    cr_assert(uni_lower(0xC9, out) == 1 && out[0] == 0xE9);
    cr_assert(uni_lower(0x3A3, out) == 1 && out[0] == 0x3C3);
    cr_assert(uni_lower(0x130, out) == 2 && out[0] == 'i' && out[1] == 0x307);
    cr_assert(uni_lower(0x4E2D, out) == 1 && out[0] == 0x4E2D);
    uint32_t e_acute = 0xE9;
    cr_assert(uni_nfd(&e_acute, 1, out, 8) == 2 && out[0] == 'e' && out[1] == 0x301);
    uint32_t s_dots = 0x1E69;   // s with dot below and dot above: two levels of decomposition
    cr_assert(uni_nfd(&s_dots, 1, out, 8) == 3 && out[0] == 's' && out[1] == 0x323 && out[2] == 0x307);
    uint32_t unordered[] = {'a', 0x301, 0x323};   // acute (class 230) before dot below (220)
    cr_assert(uni_nfd(unordered, 3, out, 8) == 3 && out[1] == 0x323 && out[2] == 0x301);
    uint32_t hangul[] = {0xAC00, 0xAC01};
    cr_assert_eq(uni_nfd(hangul, 2, out, 8), 5);
    cr_assert(out[0] == 0x1100 && out[1] == 0x1161 && out[2] == 0x1100 && out[3] == 0x1161 && out[4] == 0x11A8);
}

// ---- the basic tokenizer ------------------------------------------------------------------------

static void join_word(void *ctx, const char *w, int n_bytes, int n_chars) {
    char *s = ctx;
    (void)n_chars;
    if (*s) strcat(s, "|");
    strncat(s, w, (size_t)n_bytes);
}

static const char *basic(const char *text, int lowercase, long *invalid) {
    static char out[1024];
    out[0] = 0;
    BasicTokenizer bt;
    basic_init(&bt, lowercase, lowercase);
    basic_tokenize(&bt, text, strlen(text), join_word, out);
    if (invalid) *invalid = bt.invalid_bytes;
    basic_free(&bt);
    return out;
}

Test(ch07_basic, splits_like_bert) {
    cr_assert_str_eq(basic("Hello, world!", 0, NULL), "Hello|,|world|!");
    cr_assert_str_eq(basic("  a\tb\nc \r\n d  ", 0, NULL), "a|b|c|d");
    cr_assert_str_eq(basic("don't", 0, NULL), "don|'|t");
    cr_assert_str_eq(basic("$5.00", 0, NULL), "$|5|.|00");
    cr_assert_str_eq(basic("x\x01y\xc2\xady", 0, NULL), "xyy");              // controls dropped, not split
    cr_assert_str_eq(basic("a\xc2\xa0" "b", 0, NULL), "a|b");                 // no-break space
    cr_assert_str_eq(basic("\xe6\x9d\xb1\xe4\xba\xac" "x", 0, NULL), "\xe6\x9d\xb1|\xe4\xba\xac|x");   // 東京x
    cr_assert_str_eq(basic("caf\xc3\xa9 \xe2\x80\x94 ok", 0, NULL), "caf\xc3\xa9|\xe2\x80\x94|ok");   // café — ok
    cr_assert_str_eq(basic("", 0, NULL), "");
}

Test(ch07_basic, uncased_lowers_and_strips_accents) {
    cr_assert_str_eq(basic("H\xc3\xa9llo W\xc3\x96RLD", 1, NULL), "hello|world");
    cr_assert_str_eq(basic("\xc4\xb0stanbul", 1, NULL), "istanbul");   // İ -> i + dot above -> i
    cr_assert_str_eq(basic("H\xc3\xa9llo", 0, NULL), "H\xc3\xa9llo");  // cased: untouched
}

Test(ch07_basic, edge_characters) {
    // a compatibility ideograph is a word of its own, and uncased it is normalised too:
    // U+F900 -> NFD U+8C48
    cr_assert_str_eq(basic("a\xef\xa4\x80" "b", 1, NULL), "a|\xe8\xb1\x88|b");
    cr_assert_str_eq(basic("a\xef\xa4\x80" "b", 0, NULL), "a|\xef\xa4\x80|b");
    // a lone combining mark: a word cased, nothing uncased (it is stripped)
    cr_assert_str_eq(basic("\xcc\x81", 0, NULL), "\xcc\x81");
    cr_assert_str_eq(basic("\xcc\x81", 1, NULL), "");
    // U+1FEF (Greek varia) decomposes to '`', which is then punctuation
    cr_assert_str_eq(basic("x\xe1\xbf\xafy", 1, NULL), "x|`|y");
}

Test(ch07_basic, invalid_utf8_is_dropped_and_counted) {
    long invalid;
    cr_assert_str_eq(basic("ab\xff" "cd \xc3", 0, &invalid), "abcd");
    cr_assert_eq(invalid, 2);
}

// ---- WordPiece -------------------------------------------------------------------------------------

static const char *toy_tokens[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "una", "##aff", "##able",
                                   "##ffable", "a", "##a", "is", ".", "b", "##b", "##ff"};
enum { T_UN = 5, T_UNA, T_AFF, T_ABLE, T_FFABLE, T_A, T_HASH_A, T_IS, T_DOT, T_B, T_HASH_B, T_FF };

static WordPiece toy(void) {
    WordPiece wp;
    char err[256];
    cr_assert_eq(wordpiece_from_tokens(&wp, toy_tokens, sizeof toy_tokens / sizeof toy_tokens[0], 0, err, sizeof err),
                 0, "%s", err);
    return wp;
}

static void assert_ids(const IdList *l, const int *want, int n, const char *what) {
    cr_assert_eq(l->n, n, "%s: %ld ids, expected %d", what, l->n, n);
    for (int i = 0; i < n; i++) cr_assert_eq(l->ids[i], want[i], "%s: id %d is %d, expected %d", what, i, l->ids[i], want[i]);
}

Test(ch07_wordpiece, greedy_longest_match_first) {
    WordPiece wp = toy();
    IdList l = {0};
    // longest prefix first: "una" (not "un"), then the longest continuation "##ffable"
    wordpiece_encode(&wp, "unaffable", 9, &l, NULL);
    assert_ids(&l, (int[]){T_UNA, T_FFABLE}, 2, "unaffable");
    l.n = 0;
    // no piece covers "x": the whole word is one [UNK], even though "un" matched
    wordpiece_encode(&wp, "unax is", 7, &l, NULL);
    assert_ids(&l, (int[]){WP_UNK, T_IS}, 2, "unax is");
    idlist_free(&l);
    wordpiece_free(&wp);
}

Test(ch07_wordpiece, words_over_100_characters_are_unknown) {
    WordPiece wp = toy();
    char word[102];
    memset(word, 'a', sizeof word);
    IdList l = {0};
    WpStats st = {0};
    wordpiece_encode(&wp, word, 100, &l, &st);   // 100 characters: "a" + 99 "##a"
    cr_assert_eq(l.n, 100);
    cr_assert(l.ids[0] == T_A && l.ids[99] == T_HASH_A && st.unk_words == 0);
    l.n = 0;
    wordpiece_encode(&wp, word, 101, &l, &st);
    assert_ids(&l, (int[]){WP_UNK}, 1, "101 characters");
    cr_assert(st.unk_words == 1 && st.long_words == 1);
    idlist_free(&l);
    wordpiece_free(&wp);
}

Test(ch07_wordpiece, four_byte_characters_and_the_100_limit) {
    const char *tokens[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\xf0\x9f\x98\x80", "##\xf0\x9f\x98\x80"};
    WordPiece wp;
    char err[256];
    cr_assert_eq(wordpiece_from_tokens(&wp, tokens, 7, 0, err, sizeof err), 0, "%s", err);
    char word[4 * 101];
    for (int i = 0; i < 101; i++) memcpy(word + 4 * i, "\xf0\x9f\x98\x80", 4);
    IdList l = {0};
    wordpiece_encode(&wp, word, 400, &l, NULL);   // 100 emoji: one piece each
    cr_assert(l.n == 100 && l.ids[0] == 5 && l.ids[99] == 6);
    l.n = 0;
    wordpiece_encode(&wp, word, 404, &l, NULL);   // 101: [UNK]
    assert_ids(&l, (int[]){WP_UNK}, 1, "101 emoji");
    idlist_free(&l);
    wordpiece_free(&wp);
}

Test(ch07_wordpiece, special_tokens_in_the_text_stay_whole) {
    WordPiece wp = toy();
    IdList l = {0};
    const char *text = "is [MASK] .a[SEP]b [mask]";
    wordpiece_encode(&wp, text, strlen(text), &l, NULL);
    // "[mask]" is not a special token (case matters): "[" "mask" "]" -> unknown pieces
    assert_ids(&l, (int[]){T_IS, WP_MASK, T_DOT, T_A, WP_SEP, T_B, WP_UNK, WP_UNK, WP_UNK}, 9, text);
    l.n = 0;
    wordpiece_encode(&wp, "a[MAS", 5, &l, NULL);   // cut short at the end: not a special token
    assert_ids(&l, (int[]){T_A, WP_UNK, WP_UNK}, 3, "a[MAS");
    idlist_free(&l);
    wordpiece_free(&wp);
}

// ---- vocab.txt ----------------------------------------------------------------------------------------

static char tmp_dir[] = "/tmp/book_test07_XXXXXX";
static char path_buf[4200];

static const char *write_tmp(const char *name, const char *content, size_t len) {
    if (strstr(tmp_dir, "XXXXXX")) cr_assert_not_null(mkdtemp(tmp_dir));
    snprintf(path_buf, sizeof path_buf, "%s/%s", tmp_dir, name);
    FILE *fp = fopen(path_buf, "wb");
    cr_assert_not_null(fp);
    fwrite(content, 1, len, fp);
    fclose(fp);
    return path_buf;
}

Test(ch07_wordpiece, vocab_file_round_trip_and_errors) {
    WordPiece wp = toy(), back;
    char err[512];
    const char *p = write_tmp("vocab.txt", "", 0);
    cr_assert_eq(wordpiece_save(&wp, p, err, sizeof err), 0, "%s", err);
    cr_assert_eq(wordpiece_load(&back, p, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(wordpiece_size(&back), wordpiece_size(&wp));
    for (int i = 0; i < wordpiece_size(&wp); i++) cr_assert_str_eq(wordpiece_token(&back, i), wordpiece_token(&wp, i));
    cr_assert(back.special[WP_MASK] == 4 && wordpiece_is_continuation(&back, T_AFF) && !wordpiece_is_continuation(&back, T_UN));
    wordpiece_free(&back);
    wordpiece_free(&wp);
    // a vocabulary from elsewhere: specials anywhere, CRLF line ends
    const char *crlf = "hello\r\n[UNK]\r\n[PAD]\r\n[SEP]\r\n[CLS]\r\n[MASK]\r\n";
    cr_assert_eq(wordpiece_load(&back, write_tmp("crlf.txt", crlf, strlen(crlf)), 1, err, sizeof err), 0, "%s", err);
    cr_assert(back.special[WP_PAD] == 2 && back.special[WP_UNK] == 1 && back.special[WP_MASK] == 5 && back.lowercase);
    wordpiece_free(&back);
    struct {
        const char *name, *content, *message;
    } bad[] = {
        {"nomask.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n", "[MASK] is missing"},
        {"dup.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhi\nhi\n", ":7: token \"hi\" already on line 6"},
        {"blank.txt", "[PAD]\n\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n", ":2: empty token"},
        {"utf8.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nab\xff\n", ":6: token is not valid UTF-8"},
        {"empty.txt", "", "empty file"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *path = write_tmp(bad[i].name, bad[i].content, strlen(bad[i].content));
        cr_assert_eq(wordpiece_load(&back, path, 0, err, sizeof err), -1, "%s was accepted", bad[i].name);
        cr_assert(strstr(err, bad[i].message) && strstr(err, bad[i].name), "%s: message \"%s\"", bad[i].name, err);
    }
    cr_assert_eq(wordpiece_load(&back, "/nonexistent/vocab.txt", 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/nonexistent/vocab.txt: cannot read"), "%s", err);
}

// ---- the trainer ---------------------------------------------------------------------------------------

static void count(Vocab *c, const char *word, long n) { vocab_add(c, word, (int)strlen(word), n); }

// Sennrich et al.'s example corpus: low x5, lower x2, newest x6, widest x3.
Test(ch07_train, frequency_merges_follow_the_pair_counts) {
    Vocab c;
    vocab_init(&c);
    count(&c, "low", 5), count(&c, "lower", 2), count(&c, "newest", 6), count(&c, "widest", 3);
    WordPiece wp;
    WpTrainStats st;
    char err[256];
    // alphabet d e i l n o r s t w: 5 specials + 10 + 10 "##" forms = 25, then 3 merges
    WpTrainOpts o = {.vocab_size = 28, .max_alphabet = 100, .min_pair_count = 2, .score = WP_SCORE_FREQUENCY};
    cr_assert_eq(wp_train(&c, &o, &wp, &st, err, sizeof err), 0, "%s", err);
    cr_assert_eq(st.alphabet, 10);
    cr_assert_str_eq(wordpiece_token(&wp, 5), "d");
    cr_assert_str_eq(wordpiece_token(&wp, 15), "##d");
    // (##e ##s) and (##s ##t) both occur 9 times; the tie goes to the smaller ids
    cr_assert_str_eq(wordpiece_token(&wp, 25), "##es");
    cr_assert_str_eq(wordpiece_token(&wp, 26), "##est");   // (##es ##t): 9
    cr_assert_str_eq(wordpiece_token(&wp, 27), "lo");      // (l ##o) and (##o ##w): 7
    cr_assert_eq(wordpiece_size(&wp), 28);
    IdList l = {0};
    wordpiece_encode(&wp, "newest lowest", 13, &l, NULL);
    // ids: plain d..w are 5..14, "##d".."##w" 15..24: n ##e ##w ##est | lo ##w ##est
    assert_ids(&l, (int[]){9, 16, 24, 26, 27, 24, 26}, 7, "newest lowest");
    wordpiece_free(&wp);
    idlist_free(&l);
    vocab_free(&c);
}

Test(ch07_train, likelihood_prefers_parts_that_never_occur_apart) {
    Vocab c;
    vocab_init(&c);
    count(&c, "ab", 10), count(&c, "ac", 10), count(&c, "db", 10), count(&c, "xy", 2);
    WordPiece wp;
    WpTrainStats st;
    char err[256];
    // alphabet a b c d x y: ids 5..16 with the "##" forms, then one merge, id 17
    WpTrainOpts o = {.vocab_size = WP_N_SPECIAL + 2 * 6 + 1, .max_alphabet = 100, .min_pair_count = 2,
                     .score = WP_SCORE_FREQUENCY};
    cr_assert_eq(wp_train(&c, &o, &wp, &st, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(wordpiece_token(&wp, WP_N_SPECIAL + 12), "ab");   // count 10, the smallest ids
    wordpiece_free(&wp);
    o.score = WP_SCORE_LIKELIHOOD;   // xy: 2 / (2 * 2) = 0.5 beats ab: 10 / (20 * 20)
    cr_assert_eq(wp_train(&c, &o, &wp, &st, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(wordpiece_token(&wp, WP_N_SPECIAL + 12), "xy");
    wordpiece_free(&wp);
    vocab_free(&c);
}

// Hundreds of merges (the pair table is compacted every 256): the vocabulary must stay
// consistent, with every training word tokenizable and repeated letters merged.
Test(ch07_train, many_merges_keep_every_word_tokenizable) {
    Vocab c;
    vocab_init(&c);
    Rng rng;
    rng_seed(&rng, 4);
    char word[16];
    for (int w = 0; w < 3000; w++) {
        int n = 2 + rng_int(&rng, 8);
        for (int i = 0; i < n; i++) word[i] = (char)('a' + rng_int(&rng, 6) * rng_int(&rng, 2));   // many a's
        word[n] = 0;
        count(&c, word, 1 + rng_int(&rng, 20));
    }
    count(&c, "aaaa", 50);
    WordPiece wp;
    WpTrainStats st;
    char err[256];
    WpTrainOpts o = {.vocab_size = 900, .max_alphabet = 100, .min_pair_count = 2, .score = WP_SCORE_FREQUENCY};
    cr_assert_eq(wp_train(&c, &o, &wp, &st, err, sizeof err), 0, "%s", err);
    cr_assert_gt(st.merges, 600);
    IdList l = {0};
    WpStats ws = {0};
    for (int w = 0; w < c.n; w++) wordpiece_encode(&wp, vocab_word(&c, w), strlen(vocab_word(&c, w)), &l, &ws);
    cr_assert_eq(ws.unk_words, 0);
    l.n = 0;
    wordpiece_encode(&wp, "aaaa", 4, &l, NULL);
    cr_assert_eq(l.n, 1, "aaaa (50 times in the corpus) is %ld pieces", l.n);
    idlist_free(&l);
    wordpiece_free(&wp);
    vocab_free(&c);
}

Test(ch07_train, uncased_and_punctuation) {
    Vocab c;
    vocab_init(&c);
    count(&c, "ab", 3), count(&c, ",", 5), count(&c, "a,", 2);   // "a," cannot come from the basic tokenizer
    WordPiece wp;
    WpTrainStats st;
    char err[256];
    WpTrainOpts o = {.vocab_size = 100, .max_alphabet = 100, .min_pair_count = 2, .score = WP_SCORE_FREQUENCY,
                     .lowercase = 1};
    cr_assert_eq(wp_train(&c, &o, &wp, &st, err, sizeof err), 0, "%s", err);
    cr_assert(wp.lowercase && wp.strip_accents);
    cr_assert_eq(vocab_find(&wp.vocab, "##,", 3), -1);   // punctuation never continues a word
    cr_assert_eq(st.words_dropped, 1);                   // "a,"
    wordpiece_free(&wp);
    o.min_pair_count = 0;
    cr_assert_eq(wp_train(&c, &o, &wp, &st, err, sizeof err), -1);
    cr_assert(strstr(err, "at least 1"), "%s", err);
    vocab_free(&c);
}

Test(ch07_train, stops_when_no_pair_is_frequent_enough) {
    Vocab c;
    vocab_init(&c);
    count(&c, "ab", 1), count(&c, "cd", 1);
    WordPiece wp;
    WpTrainStats st;
    char err[256];
    WpTrainOpts o = {.vocab_size = 1000, .max_alphabet = 100, .min_pair_count = 2, .score = WP_SCORE_FREQUENCY};
    cr_assert_eq(wp_train(&c, &o, &wp, &st, err, sizeof err), 0, "%s", err);
    cr_assert(st.merges == 0 && wordpiece_size(&wp) == WP_N_SPECIAL + 8);
    wordpiece_free(&wp);
    o.vocab_size = 3;
    cr_assert_eq(wp_train(&c, &o, &wp, &st, err, sizeof err), -1);
    cr_assert(strstr(err, "too small"), "%s", err);
    vocab_free(&c);
}
