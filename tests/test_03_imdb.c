// tests/test_03_imdb.c: the aclImdb loader on the shipped sample and on broken copies
// of the layout written to a temporary directory: a missing directory, a missing
// pos/ or neg/, an empty class, a file name that is not ID_RATING.txt, a rating in the
// wrong directory, a directory where a review should be (what "unreadable" looks like
// when tests run as root, where chmod 000 does not stop reads), an empty review,
// invalid UTF-8. Every problem must come back as a message naming the path.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chapters/03_imdb_sentiment/imdb.h"

#define SAMPLE "datasets/samples/aclImdb"

Test(ch03_imdb, parses_file_names) {
    int id, r;
    cr_assert_eq(imdb_parse_name("0_9.txt", &id, &r), 0);
    cr_assert(id == 0 && r == 9);
    cr_assert_eq(imdb_parse_name("12345_10.txt", &id, &r), 0);
    cr_assert(id == 12345 && r == 10);
    const char *bad[] = {"9.txt", "_9.txt", "1_.txt", "1_9.TXT", "1_9.txt~", "a_9.txt", "1_100.txt", "1-9.txt",
                         "1234567890_1.txt", "README"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(imdb_parse_name(bad[i], &id, &r), -1, "%s was accepted", bad[i]);
}

Test(ch03_imdb, utf8_repair_replaces_each_invalid_byte) {
    char *fixed;
    size_t len;
    const char *good = "caf\xc3\xa9 \xe6\x98\xa0 \xf0\x9f\x98\x80";
    cr_assert_eq(imdb_utf8_repair(good, strlen(good), &fixed, &len), 0);
    cr_assert_null(fixed);
    struct {
        const char *in, *out;
        size_t bad;
    } cases[] = {
        {"caf\xe9!", "caf\xef\xbf\xbd!", 1},               // Latin-1 byte
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", 2},        // overlong '/'
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3},   // a surrogate, U+D800
        {"ab\xe2\x82", "ab\xef\xbf\xbd\xef\xbf\xbd", 2},    // truncated at the end
        {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 4},   // > U+10FFFF
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t bad = imdb_utf8_repair(cases[i].in, strlen(cases[i].in), &fixed, &len);
        cr_assert_eq(bad, cases[i].bad, "case %zu: %zu invalid bytes, expected %zu", i, bad, cases[i].bad);
        cr_assert_not_null(fixed);
        cr_assert_eq(len, strlen(cases[i].out));
        cr_assert_str_eq(fixed, cases[i].out, "case %zu", i);
        char *again;
        size_t again_len;
        cr_assert_eq(imdb_utf8_repair(fixed, len, &again, &again_len), 0, "the repair is valid UTF-8");
        cr_assert_null(again);
        free(fixed);
    }
}

Test(ch03_imdb, loads_the_shipped_sample) {
    ImdbSet s;
    char err[1024];
    cr_assert_eq(imdb_load(&s, SAMPLE, "train", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.n, 205, "100 + 100 templated reviews and 5 edge cases, got %d", s.n);
    int pos = 0;
    for (int i = 0; i < s.n; i++) {
        pos += s.label[i];
        if (s.label[i]) cr_assert(s.rating[i] >= 7 && s.rating[i] <= 10);
        else cr_assert(s.rating[i] >= 1 && s.rating[i] <= 4);
        cr_assert_eq(strlen(s.text[i]), s.len[i], "review %d has a NUL byte or a wrong length", i);
        if (i > 0 && s.label[i] == s.label[i - 1]) cr_assert_gt(s.id[i], s.id[i - 1], "not sorted by id at %d", i);
    }
    cr_assert_eq(pos, 102, "positives first: 100 templated + 2 edge cases, got %d", pos);
    cr_assert(s.label[0] == 1 && s.label[s.n - 1] == 0);
    cr_assert_eq(s.n_repaired, 0);
    size_t longest = 0;
    for (int i = 0; i < s.n; i++) longest = s.len[i] > longest ? s.len[i] : longest;
    cr_assert_gt(longest, 10000, "the long edge-case review is there (%zu bytes)", longest);
    imdb_free(&s);
    cr_assert_eq(imdb_load(&s, SAMPLE, "test", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.n, 100);
    imdb_free(&s);
    cr_assert_eq(imdb_load(&s, SAMPLE, "test", 7, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.n, 14, "max_per_class 7 keeps 7 of each class");
    cr_assert_eq(s.id[0], 0);
    cr_assert_eq(s.id[6], 6, "the FIRST 7 by id");
    imdb_free(&s);
}

// ---- broken layouts in a temporary directory -------------------------------------------

static char root[] = "/tmp/book_test_03_imdb_XXXXXX";

static void make_root(void) { cr_assert_not_null(mkdtemp(root)); }

static void rm_rf(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        char child[1024];
        while (d && (de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
            snprintf(child, sizeof child, "%s/%s", path, de->d_name);
            rm_rf(child);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        remove(path);
    }
}

static void cleanup(void) { rm_rf(root); }

static void mkdir_p(const char *rel) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    mkdir(path, 0755);
}

static void put(const char *rel, const char *bytes, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "%s", path);
    if (n) cr_assert_eq(fwrite(bytes, 1, n, fp), n);
    fclose(fp);
}

// A minimal valid layout: two reviews per class in train/.
static void good_layout(void) {
    mkdir_p("train/pos");
    mkdir_p("train/neg");
    put("train/pos/0_9.txt", "Great film.", 11);
    put("train/pos/1_7.txt", "Good.", 5);
    put("train/neg/0_2.txt", "Bad film.", 9);
    put("train/neg/1_4.txt", "Meh.", 4);
}

static void expect_error(const char *split, const char *expect) {
    ImdbSet s;
    char err[2048];
    cr_assert_eq(imdb_load(&s, root, split, 0, err, sizeof err), -1, "loaded although: %s", expect);
    cr_assert_not_null(strstr(err, expect), "got \"%s\", expected it to contain \"%s\"", err, expect);
    cr_assert_eq(s.n, 0);
    cr_assert_null(s.text);
}

Test(ch03_imdb, a_valid_minimal_layout_loads, .init = make_root, .fini = cleanup) {
    good_layout();
    put("train/pos/.DS_Store", "x", 1);   // hidden files are skipped
    ImdbSet s;
    char err[1024];
    cr_assert_eq(imdb_load(&s, root, "train", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.n, 4);
    cr_assert_str_eq(s.text[0], "Great film.");
    cr_assert_eq(s.bytes, 11 + 5 + 9 + 4);
    imdb_free(&s);
}

Test(ch03_imdb, missing_directories, .init = make_root, .fini = cleanup) {
    ImdbSet s;
    char err[1024];
    cr_assert_eq(imdb_load(&s, "/nonexistent/aclImdb", "train", 0, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "/nonexistent/aclImdb: no such directory"), "%s", err);
    cr_assert_not_null(strstr(err, "datasets/fetch.sh imdb"), "the message says how to get the data: %s", err);
    expect_error("train", "/train: no such directory");
    mkdir_p("train/pos");
    put("train/pos/0_9.txt", "Great.", 6);
    expect_error("train", "/train/neg: no such directory");
}

Test(ch03_imdb, an_empty_class_directory, .init = make_root, .fini = cleanup) {
    mkdir_p("train/pos");
    mkdir_p("train/neg");
    put("train/neg/0_1.txt", "Bad.", 4);
    expect_error("train", "/train/pos: no review files");
}

Test(ch03_imdb, a_file_that_is_not_a_review, .init = make_root, .fini = cleanup) {
    good_layout();
    put("train/neg/notes.txt", "my notes", 8);
    expect_error("train", "/train/neg/notes.txt: not a review file name; expected ID_RATING.txt");
}

Test(ch03_imdb, a_rating_in_the_wrong_directory, .init = make_root, .fini = cleanup) {
    good_layout();
    put("train/pos/2_3.txt", "Actually bad.", 13);
    expect_error("train", "/train/pos/2_3.txt: rating 3 does not belong in pos/");
    remove(strcat(strcpy((char[1024]){0}, root), "/train/pos/2_3.txt"));
    put("train/neg/5_8.txt", "Actually good.", 14);
    expect_error("train", "/train/neg/5_8.txt: rating 8 does not belong in neg/");
    remove(strcat(strcpy((char[1024]){0}, root), "/train/neg/5_8.txt"));
    put("train/neg/6_5.txt", "Neutral.", 8);   // 5 and 6 are in neither class of the real data
    expect_error("train", "rating 5 does not belong in neg/");
}

Test(ch03_imdb, a_directory_where_a_review_should_be, .init = make_root, .fini = cleanup) {
    good_layout();
    mkdir_p("train/pos/7_10.txt");
    expect_error("train", "/train/pos/7_10.txt: is a directory, expected a review file");
}

Test(ch03_imdb, empty_reviews_are_kept_and_counted, .init = make_root, .fini = cleanup) {
    good_layout();
    put("train/neg/9_1.txt", "", 0);
    ImdbSet s;
    char err[1024];
    cr_assert_eq(imdb_load(&s, root, "train", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.n, 5);
    cr_assert_eq(s.n_empty, 1);
    cr_assert_eq(s.len[4], 0);
    cr_assert_str_eq(s.text[4], "");
    imdb_free(&s);
}

Test(ch03_imdb, invalid_utf8_is_repaired_and_counted, .init = make_root, .fini = cleanup) {
    good_layout();
    put("train/pos/5_8.txt", "Caf\xe9 au lait, tr\xe8s bien.", 24);   // Latin-1, not UTF-8
    ImdbSet s;
    char err[1024];
    cr_assert_eq(imdb_load(&s, root, "train", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.n_repaired, 1);
    cr_assert_str_eq(s.text[2], "Caf\xef\xbf\xbd au lait, tr\xef\xbf\xbds bien.");
    cr_assert_eq(s.len[2], 24 + 4);
    imdb_free(&s);
}

Test(ch03_imdb, nul_bytes_and_huge_reviews_are_just_data, .init = make_root, .fini = cleanup) {
    good_layout();
    put("train/neg/3_2.txt", "bad\0worse", 9);   // a NUL byte: kept, the length says where the text ends
    size_t big = 3u << 20;                       // 3 MB, one line, no buffer to overflow
    char *text = malloc(big);
    cr_assert_not_null(text);
    for (size_t i = 0; i < big; i++) text[i] = "awful "[i % 6];
    put("train/neg/4_1.txt", text, big);
    free(text);
    ImdbSet s;
    char err[1024];
    cr_assert_eq(imdb_load(&s, root, "train", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.n, 6);
    cr_assert_eq(s.len[4], 9);
    cr_assert_eq(s.len[5], big);
    imdb_free(&s);
}
