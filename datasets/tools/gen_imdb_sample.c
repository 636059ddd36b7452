// gen_imdb_sample: writes the small movie-review sample of chapter 03 in the exact
// layout of the Large Movie Review Dataset (aclImdb):
//
//   OUT/train/pos/ID_RATING.txt  OUT/train/neg/...  OUT/test/pos/...  OUT/test/neg/...
//   OUT/train/unsup/ID_0.txt     unlabelled reviews of either class (chapter 07)
//
//   build/bin/gen_imdb_sample --out datasets/samples/aclImdb --seed 1
//
// Every review is original text made from the templates below: an opening about the
// (invented) film, sentences of opinion, neutral sentences, sometimes a score. A
// review of one class takes 1 opinion in 4 from the other class ("the acting is
// wooden, but I loved every minute"), and both classes share many words ("not",
// "film", "from start to finish"; "not bad" is positive, "not good" negative), so the
// task is learnable but not trivial, and word pairs matter. Positive reviews get
// ratings 7..10, negative 1..4, as in the real data. Paragraphs are separated by
// `<br /><br />`, as on the IMDB site.
//
// Added by hand to train/: the edge cases a loader and tokenizer must survive
// (README "Bad input"): HTML breaks in every spelling, runs of punctuation,
// non-ASCII UTF-8 (accents, typographic quotes and apostrophes, an em dash, CJK,
// an emoji), a review far longer than --max-len tokens, a 300-letter "word", and a
// review that is nothing but line breaks (no tokens at all).
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/rng.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const POSITIVE[] = {
    "A wonderful film.", "It is beautifully shot.", "The acting is superb.", "I loved every minute of it.",
    "It tells a moving story.", "The performances are brilliant.", "It is funny and warm.", "A real gem!",
    "Highly recommended.", "The best film I have seen this year.", "Gripping from start to finish.",
    "The score is gorgeous.", "Not bad at all.", "It is never boring.", "I was not disappointed.",
    "The ending made me smile.", "Great fun for the whole family.", "The lead is excellent.",
    "I would happily watch it again.", "A clever, touching script.",
};
static const char *const NEGATIVE[] = {
    "A terrible film.", "It is badly shot.", "The acting is wooden.", "I hated every minute of it.",
    "It tells a dull story.", "The performances are awful.", "It is not funny at all.",
    "A complete waste of time!", "Avoid it.", "The worst film I have seen this year.",
    "Boring from start to finish.", "The score is annoying.", "Not good at all.", "It is never once convincing.",
    "I was disappointed.", "The ending made no sense.", "Painful for the whole family.", "The lead is weak.",
    "I would never watch it again.", "A lazy, predictable script.",
};
static const char *const JOBS[] = {"teacher", "detective", "pilot", "farmer", "singer", "doctor", "thief", "painter"};
static const char *const EVENTS[] = {"loses a bet", "moves to a new town", "finds an old letter",
                                     "meets a stranger", "plans a robbery", "falls in love", "gets lost at sea"};
static const char *const NAMES[] = {"Mara Holt", "Dan Pruitt", "Ilse Varga", "Tom Okafor", "Rosa Lindqvist",
                                    "Sam Whitcombe", "Yuki Arden", "Paul Ferris"};
static const char *const PLACES[] = {"a small port", "Chicago", "the mountains", "a space station", "Paris",
                                     "a boarding school", "the desert"};
static const char *const WHEN[] = {"last night", "on a long flight", "with my brother", "at a festival",
                                   "on late-night TV", "twice"};

typedef struct {
    char *s;
    size_t len, cap;
} Text;

static void add(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(Text *t, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) DIE("vsnprintf failed");
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap = 2 * t->cap + (size_t)n;
        t->s = realloc(t->s, t->cap);
        if (!t->s) DIE("out of memory");
    }
}

static const char *pick(const char *const *list, int n, Rng *rng) { return list[rng_int(rng, n)]; }

// One templated review of class `positive`.
static void make_review(Text *t, int positive, Rng *rng) {
    t->len = 0;
    t->s[0] = '\0';
    add(t, "The film follows a %s who %s. ", pick(JOBS, COUNT(JOBS), rng), pick(EVENTS, COUNT(EVENTS), rng));
    int n_opinions = 3 + rng_int(rng, 4);
    for (int k = 0; k < n_opinions; k++) {
        int side = rng_uniform(rng) < 0.75f ? positive : !positive;   // 1 opinion in 4 from the other side
        add(t, "%s ", side ? pick(POSITIVE, COUNT(POSITIVE), rng) : pick(NEGATIVE, COUNT(NEGATIVE), rng));
        if (k == 1) {   // a neutral sentence and a paragraph break in the middle
            switch (rng_int(rng, 4)) {
            case 0: add(t, "It was directed by %s. ", pick(NAMES, COUNT(NAMES), rng)); break;
            case 1: add(t, "The story is set in %s. ", pick(PLACES, COUNT(PLACES), rng)); break;
            case 2: add(t, "I watched it %s. ", pick(WHEN, COUNT(WHEN), rng)); break;
            default: add(t, "The cast includes %s and %s. ", pick(NAMES, COUNT(NAMES), rng), pick(NAMES, COUNT(NAMES), rng));
            }
            add(t, "<br /><br />");
        }
    }
    if (rng_uniform(rng) < 0.3f) add(t, "%d/10", positive ? 6 + rng_int(rng, 5) : 1 + rng_int(rng, 4));
    while (t->len > 0 && t->s[t->len - 1] == ' ') t->s[--t->len] = '\0';
}

static void write_file(const char *dir, int id, int rating, const char *text, size_t len) {
    char name[64], path[4096], err[1024];
    snprintf(name, sizeof name, "%d_%d.txt", id, rating);
    AtomicFile af;
    if (atomic_open(&af, path_join(path, sizeof path, dir, name), err, sizeof err) != 0) DIE("%s", err);
    if (len) fwrite(text, 1, len, af.fp);
    if (atomic_commit(&af, err, sizeof err) != 0) DIE("%s", err);
}

// Removes the ID_RATING.txt files a previous run left in dir (and nothing else).
static void clear_reviews(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        size_t len = strlen(n);
        if (len > 4 && strcmp(n + len - 4, ".txt") == 0 && n[0] >= '0' && n[0] <= '9' && strchr(n, '_'))
            remove(path_join(path, sizeof path, dir, n));
    }
    closedir(d);
}

// The hand-written edge cases, all in train/. {positive, rating, text}; text NULL
// marks the long review and the long word, built in main.
typedef struct {
    int positive, rating;
    const char *text;
} Edge;

static const Edge EDGES[] = {
    {1, 8,
     "WHAT a surprise!!! I expected nothing...<br /><br />and got a GREAT film.<BR>The twist?! Clever.<br/>"
     "Rating: 8/10 -- (yes, really)."},
    {1, 9,
     "Am\xc3\xa9lie-style charm in a caf\xc3\xa9 setting, na\xc3\xafve but sweet. I don\xe2\x80\x99t say this often: "
     "\xe2\x80\x9c" "wonderful\xe2\x80\x9d \xe2\x80\x94 truly. The Japanese title \xe6\x98\xa0\xe7\x94\xbb fits. "
     "\xf0\x9f\x98\x80 Loved it\xe2\x80\xa6"},
    {0, 2, "<br /><br /><br /><br />"},
    {0, 1, NULL},   // the very long review
    {0, 3, NULL},   // the 300-letter word
};

int main(int argc, char **argv) {
    int seed = 1, n_train = 100, n_test = 50, n_unsup = 200;
    const char *out = "datasets/samples/aclImdb";
    Flag flags[] = {
        {"seed", FLAG_INT, &seed, "random seed"},
        {"n-train", FLAG_INT, &n_train, "templated reviews per class in train/"},
        {"n-test", FLAG_INT, &n_test, "templated reviews per class in test/"},
        {"n-unsup", FLAG_INT, &n_unsup, "unlabelled reviews in train/unsup/"},
        {"out", FLAG_STRING, &out, "the aclImdb directory to write"},
    };
    cli_parse(argc, argv, flags, COUNT(flags), "gen_imdb_sample: a small original movie-review sample in the aclImdb layout");
    cli_require(n_train >= 1 && n_train <= 100000 && n_test >= 1 && n_test <= 100000 && n_unsup >= 1 &&
                    n_unsup <= 100000,
                "--n-train, --n-test and --n-unsup must be in 1..100000");
    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    Text t = {malloc(1024), 0, 1024};
    if (!t.s) DIE("out of memory");
    const char *splits[2] = {"train", "test"}, *classes[2] = {"neg", "pos"};
    int per_class[2] = {n_train, n_test}, files = 0;
    size_t bytes = 0;
    for (int s = 0; s < 2; s++)
        for (int c = 1; c >= 0; c--) {
            char split_dir[4096], dir[4096];
            path_join(dir, sizeof dir, path_join(split_dir, sizeof split_dir, out, splits[s]), classes[c]);
            if (make_dirs(dir) != 0) DIE("cannot create %s", dir);
            clear_reviews(dir);
            for (int i = 0; i < per_class[s]; i++) {
                make_review(&t, c, &rng);
                int rating = c ? 7 + rng_int(&rng, 4) : 1 + rng_int(&rng, 4);
                write_file(dir, i, rating, t.s, t.len);
                files++, bytes += t.len;
            }
            if (s != 0) continue;
            for (int e = 0, id = 10000; e < COUNT(EDGES); e++) {   // the edge cases, ids from 10000
                if (EDGES[e].positive != c) continue;
                t.len = 0;
                t.s[0] = '\0';
                if (EDGES[e].text) {
                    add(&t, "%s", EDGES[e].text);
                } else if (EDGES[e].rating == 1) {   // ~2500 tokens: past any --max-len we use
                    for (int k = 0; k < 100; k++) {
                        add(&t, "Part %d of my complaint: %s ", k + 1, NEGATIVE[k % COUNT(NEGATIVE)]);
                        add(&t, "%s %s<br /><br />", NEGATIVE[(k * 7 + 3) % COUNT(NEGATIVE)],
                            NEGATIVE[(k * 3 + 1) % COUNT(NEGATIVE)]);
                    }
                } else {
                    add(&t, "Bad. ");
                    for (int k = 0; k < 300; k++) add(&t, "%c", 'a' + k % 26);
                    add(&t, " Truly bad.");
                }
                write_file(dir, id++, EDGES[e].rating, t.s, t.len);
                files++, bytes += t.len;
            }
        }
    // last, so that the labelled files above do not change with --n-unsup
    char unsup_dir[4096], split_dir[4096];
    path_join(unsup_dir, sizeof unsup_dir, path_join(split_dir, sizeof split_dir, out, "train"), "unsup");
    if (make_dirs(unsup_dir) != 0) DIE("cannot create %s", unsup_dir);
    clear_reviews(unsup_dir);
    for (int i = 0; i < n_unsup; i++) {
        make_review(&t, rng_int(&rng, 2), &rng);
        write_file(unsup_dir, i, 0, t.s, t.len);
        files++, bytes += t.len;
    }
    fprintf(stderr, "wrote %d reviews (%zu bytes) under %s\n", files, bytes, out);
    free(t.s);
    return 0;
}
