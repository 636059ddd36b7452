#include "chapters/06_seq2seq/dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"

// The alphabet after the four special ids: everything the renderings use, plus the
// upper case letters for shouted formats.
static const char ALPHABET[] = " ,-./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

int dates_vocab_size(void) { return 4 + (int)(sizeof ALPHABET - 1); }

int dates_char_id(char ch) {
    const char *p = ch ? strchr(ALPHABET, ch) : NULL;
    return p ? 4 + (int)(p - ALPHABET) : DATES_UNK;
}

char dates_id_char(int id) { return id >= 4 && id < dates_vocab_size() ? ALPHABET[id - 4] : '?'; }

static const char *MONTHS[12] = {"January", "February", "March",     "April",   "May",      "June",
                                 "July",    "August",   "September", "October", "November", "December"};
static const char *WEEKDAYS[7] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int days_in_month(int y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

int dates_weekday(Date d) {
    // Sakamoto's method: the weekday of the Gregorian calendar, 0 = Sunday
    static const int t[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    int y = d.month < 3 ? d.year - 1 : d.year;
    return (y + y / 4 - y / 100 + y / 400 + t[d.month - 1] + d.day) % 7;
}

static const char *ordinal(int day) {
    if (day % 100 >= 11 && day % 100 <= 13) return "th";
    return day % 10 == 1 ? "st" : day % 10 == 2 ? "nd" : day % 10 == 3 ? "rd" : "th";
}

static void lower(char *s) {
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}
static void upper(char *s) {
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

void dates_render(char *buf, Date d, int format) {
    const char *month = MONTHS[d.month - 1];
    char mon3[4] = {month[0], month[1], month[2], 0}, wd3[4];
    const char *weekday = WEEKDAYS[dates_weekday(d)];
    memcpy(wd3, weekday, 3), wd3[3] = 0;
    switch (format) {
    case 0: sprintf(buf, "%d %s %d", d.day, month, d.year); break;
    case 1: sprintf(buf, "%s %d, %d", month, d.day, d.year); break;
    case 2: sprintf(buf, "%s %d %d", mon3, d.day, d.year); break;
    case 3: sprintf(buf, "%d %s %d", d.day, mon3, d.year); break;
    case 4: sprintf(buf, "%s, %s %d, %d", weekday, month, d.day, d.year); break;
    case 5: sprintf(buf, "%s %d %s %d", wd3, d.day, mon3, d.year); break;
    case 6: sprintf(buf, "%02d.%02d.%04d", d.day, d.month, d.year); break;
    case 7: sprintf(buf, "%04d/%02d/%02d", d.year, d.month, d.day); break;
    case 8: sprintf(buf, "%d%s of %s, %d", d.day, ordinal(d.day), month, d.year); break;
    case 9: sprintf(buf, "%s %d %d", month, d.day, d.year), lower(buf); break;
    case 10: sprintf(buf, "%d %s %d", d.day, month, d.year), upper(buf); break;
    default: sprintf(buf, "the %d%s of %s %d", d.day, ordinal(d.day), month, d.year), lower(buf); break;
    }
}

void dates_iso(char *buf, Date d) { sprintf(buf, "%04d-%02d-%02d", d.year, d.month, d.day); }

void dates_split(DatesSplit *s, Rng *rng) {
    int n = 0;
    for (int y = 1900; y <= 2099; y++)
        for (int m = 1; m <= 12; m++) n += days_in_month(y, m);
    Date *all = xmalloc(sizeof(Date) * (size_t)n);
    int k = 0;
    for (int y = 1900; y <= 2099; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= days_in_month(y, m); d++) all[k++] = (Date){y, m, d};
    for (int i = n - 1; i > 0; i--) {   // Fisher-Yates with the book's generator
        int j = rng_int(rng, i + 1);
        Date t = all[i];
        all[i] = all[j], all[j] = t;
    }
    s->n_valid = n / 10, s->n_test = n / 10, s->n_train = n - s->n_valid - s->n_test;
    s->train = all, s->valid = all + s->n_train, s->test = all + s->n_train + s->n_valid;
    s->valid_format = xmalloc(sizeof(int) * (size_t)s->n_valid);
    s->test_format = xmalloc(sizeof(int) * (size_t)s->n_test);
    for (int i = 0; i < s->n_valid; i++) s->valid_format[i] = rng_int(rng, DATES_N_FORMATS);
    for (int i = 0; i < s->n_test; i++) s->test_format[i] = rng_int(rng, DATES_N_FORMATS);
}

void dates_split_free(DatesSplit *s) {
    free(s->train), free(s->valid_format), free(s->test_format);
    memset(s, 0, sizeof *s);
}

int dates_encode(int *ids, const char *text, int max_len) {
    int n = (int)strlen(text);
    if (n > max_len) return -1;
    for (int i = 0; i < n; i++) ids[i] = dates_char_id(text[i]);
    return n;
}

void dates_batch(const Date *dates, const int *formats, int B, Rng *rng, int *src, int *src_len, int *Ts,
                 int *tgt_in, int *tgt_out) {
    char text[64], iso[16];
    int lens[4096];
    if (B > 4096) DIE("dates_batch: batch %d is larger than 4096", B);
    int max_len = 1;
    // first pass: lengths, so that the batch is padded only to its own longest source
    for (int i = 0; i < B; i++) {
        int f = formats ? formats[i] : rng_int(rng, DATES_N_FORMATS);
        dates_render(text, dates[i], f);
        lens[i] = (int)strlen(text);
        if (lens[i] > max_len) max_len = lens[i];
        src_len[i] = f;   // remember the format until the second pass
    }
    if (max_len > DATES_SRC_MAX) DIE("dates_batch: a rendering of %d characters exceeds %d", max_len, DATES_SRC_MAX);
    *Ts = max_len;
    for (int i = 0; i < B; i++) {
        dates_render(text, dates[i], src_len[i]);
        int *row = src + (size_t)i * max_len;
        dates_encode(row, text, max_len);
        for (int t = lens[i]; t < max_len; t++) row[t] = DATES_PAD;
        src_len[i] = lens[i];
        dates_iso(iso, dates[i]);
        int *in = tgt_in + (size_t)i * DATES_TGT_LEN, *out = tgt_out + (size_t)i * DATES_TGT_LEN;
        in[0] = DATES_BOS;
        for (int t = 0; t < 10; t++) in[t + 1] = out[t] = dates_char_id(iso[t]);
        out[10] = DATES_EOS;
    }
}
