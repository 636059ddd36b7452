// imdb.h: the Large Movie Review Dataset (Maas et al. 2011) in its original layout.
//
//   aclImdb/train/pos/ID_RATING.txt   12,500 positive reviews (rating 7..10)
//   aclImdb/train/neg/ID_RATING.txt   12,500 negative reviews (rating 1..4)
//   aclImdb/test/pos/..., test/neg/...   the same for the test set
//
// One review per file, one line of UTF-8 text with HTML line breaks (`<br />`). The
// label is the directory; the file name carries an id and the star rating, e.g.
// 0_9.txt is review 0, rated 9/10. The loader walks that layout, reads each file with
// one fread, checks what a broken copy could get wrong, and reports problems as
// "path: what is wrong" through an error buffer (nothing here exits the process).
// README section "The data".
#ifndef CH03_IMDB_H
#define CH03_IMDB_H

#include <stddef.h>

typedef struct {
    int n;             // number of reviews: the positives first, then the negatives
    char **text;       // (n) review text, NUL-terminated, valid UTF-8 (see n_repaired)
    size_t *len;       // (n) bytes of each text, without the NUL
    int *label;        // (n) 1 = positive (pos/), 0 = negative (neg/), -1 unlabelled (unsup/)
    int *rating;       // (n) stars from the file name, 7..10 or 1..4
    int *id;           // (n) the number before the underscore
    int n_repaired;    // files that held invalid UTF-8 (bytes replaced by U+FFFD)
    int n_empty;       // empty files (kept: a review without tokens, README "Bad input")
    size_t bytes;      // total bytes read
} ImdbSet;

// Reads ROOT/SPLIT/pos/*.txt and ROOT/SPLIT/neg/*.txt (SPLIT is "train" or "test").
// Files are taken in the order of their ids, so the result does not depend on the
// order the file system lists them in. max_per_class > 0 keeps only the first
// max_per_class files of each class (quick runs on the full data); 0 keeps all.
// Refuses: a missing directory, a class directory with no reviews, a name that is not
// ID_RATING.txt, a rating that does not match the directory (a mixed-up copy), a
// directory or unreadable file where a review should be. Hidden files (".*") are
// skipped. Returns 0, or -1 with the reason in err (out is then empty).
int imdb_load(ImdbSet *out, const char *root, const char *split, int max_per_class, char *err,
              size_t err_len);
// The 50,000 unlabelled reviews of ROOT/train/unsup/ID_0.txt (rating 0, label -1),
// for unsupervised use such as chapter 07's pre-training. Same checks and errors;
// max_reviews > 0 keeps the first max_reviews by id.
int imdb_load_unsup(ImdbSet *out, const char *root, int max_reviews, char *err, size_t err_len);
void imdb_free(ImdbSet *s);

// "123_8.txt" -> id 123, rating 8; returns 0, or -1 if the name has another form.
int imdb_parse_name(const char *name, int *id, int *rating);

// Checks that text (len bytes) is valid UTF-8. Returns the number of invalid bytes;
// when there are any, *repaired gets a new malloc'd NUL-terminated copy in which each
// invalid byte is replaced by U+FFFD (the Unicode replacement character, 3 bytes) and
// *repaired_len its length; otherwise *repaired is set to NULL.
// Invalid: a stray continuation byte, a truncated sequence, an overlong encoding, a
// surrogate (U+D800..U+DFFF) or a code point above U+10FFFF.
size_t imdb_utf8_repair(const char *text, size_t len, char **repaired, size_t *repaired_len);

#endif
