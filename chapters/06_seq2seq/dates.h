// dates.h: the chapter's translation task, generated with a fixed seed: dates as people
// write them, to ISO 8601.
//
//   "Wednesday, March 3, 2021"  -> "2021-03-03"
//   "the 3rd of march 2021"     -> "2021-03-03"
//   "03.03.2021", "2021/03/03", "Mar 3 2021", "3 MARCH 2021", ...
//
// A model must find the day, the month and the year wherever the format puts them,
// copy digits, turn month names into numbers, zero-pad, and ignore weekdays and
// ordinal suffixes: a small translation problem that needs attention (the output's
// fourth character depends on where the year sits in the input). Every date from
// 1900-01-01 to 2099-12-31 is assigned to one split (shuffled with the seed): the test
// dates never appear in training, in any format.
#ifndef CH06_DATES_H
#define CH06_DATES_H

#include "common/rng.h"

// Character vocabulary shared by source and target.
enum { DATES_PAD = 0, DATES_BOS = 1, DATES_EOS = 2, DATES_UNK = 3 };
int dates_vocab_size(void);
int dates_char_id(char ch);     // DATES_UNK for a character outside the alphabet
char dates_id_char(int id);     // '?' for the special tokens

#define DATES_SRC_MAX 32        // longest rendering is 29 characters
#define DATES_TGT_LEN 11        // BOS + "YYYY-MM-DD", or "YYYY-MM-DD" + EOS
#define DATES_N_FORMATS 12

typedef struct {
    int year, month, day;
} Date;

// The rendering of d in format f (0 <= f < DATES_N_FORMATS) into buf (>= 40 bytes).
void dates_render(char *buf, Date d, int format);
void dates_iso(char *buf, Date d);   // "YYYY-MM-DD"
int dates_weekday(Date d);           // 0 = Sunday

typedef struct {
    Date *train, *valid, *test;
    int n_train, n_valid, n_test;
    int *valid_format, *test_format; // a fixed format per held-out date
} DatesSplit;

// All 73,049 dates, shuffled with rng, split 80/10/10; held-out formats drawn once.
void dates_split(DatesSplit *s, Rng *rng);
void dates_split_free(DatesSplit *s);

// Encodes text into ids (no BOS/EOS on the source); returns the length, or -1 when
// it is longer than max_len.
int dates_encode(int *ids, const char *text, int max_len);

// A batch of B examples: src (B,Ts) padded to the longest (Ts written to *Ts),
// src_len (B), tgt_in/tgt_out (B,DATES_TGT_LEN). formats NULL draws a random format per
// example with rng (training); otherwise example i uses formats[i].
void dates_batch(const Date *dates, const int *formats, int B, Rng *rng, int *src, int *src_len, int *Ts,
                 int *tgt_in, int *tgt_out);

#endif
