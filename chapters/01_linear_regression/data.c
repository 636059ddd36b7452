#include "chapters/01_linear_regression/data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"

void dataxy_alloc(DataXY *data, int n, int d) {
    if (n < 0 || d < 1) DIE("dataxy_alloc: bad shape (%d,%d)", n, d);
    data->n = n;
    data->d = d;
    data->x = fzeros((size_t)n * d);
    data->y = fzeros((size_t)n);
}

void dataxy_free(DataXY *data) {
    free(data->x);
    free(data->y);
    data->x = data->y = NULL;
    data->n = 0;
}

void dataxy_copy(DataXY *dst, const DataXY *src) {
    dataxy_alloc(dst, src->n, src->d);
    memcpy(dst->x, src->x, sizeof(float) * (size_t)src->n * src->d);
    memcpy(dst->y, src->y, sizeof(float) * (size_t)src->n);
}

void dataxy_subset(DataXY *out, const DataXY *src, const int *idx, int n) {
    dataxy_alloc(out, n, src->d);
    for (int i = 0; i < n; i++) {
        memcpy(out->x + (size_t)i * src->d, src->x + (size_t)idx[i] * src->d, sizeof(float) * src->d);
        out->y[i] = src->y[idx[i]];
    }
}

void dataxy_split(const DataXY *all, float train_frac, float val_frac, Rng *rng,
                  DataXY *train, DataXY *val, DataXY *test) {
    if (train_frac <= 0 || val_frac < 0 || train_frac + val_frac > 1)
        DIE("dataxy_split: fractions %g + %g must lie in (0, 1]", (double)train_frac, (double)val_frac);
    int *perm = xmalloc(sizeof(int) * (all->n > 0 ? all->n : 1));
    for (int i = 0; i < all->n; i++) perm[i] = i;
    // Shuffle first: a file sorted by price (or by date) would otherwise put all the
    // cheap houses in train and the expensive ones in test.
    rng_shuffle(rng, perm, all->n);
    int n_train = (int)lroundf(train_frac * all->n);
    int n_val = (int)lroundf(val_frac * all->n);
    if (n_train + n_val > all->n) n_val = all->n - n_train;
    dataxy_subset(train, all, perm, n_train);
    dataxy_subset(val, all, perm + n_train, n_val);
    dataxy_subset(test, all, perm + n_train + n_val, all->n - n_train - n_val);
    free(perm);
}

// --- houses ---------------------------------------------------------------------------

const char *const HOUSES_FEATURE_NAMES[HOUSES_D] = {"area_m2", "rooms", "age_years", "distance_km"};
const float HOUSES_TRUE_W[HOUSES_D] = {2.0f, 8.0f, -0.5f, -3.0f};
const float HOUSES_TRUE_B = 150.0f;
const float HOUSES_NOISE_STD = 20.0f;

static const char HOUSES_HEADER[] = "area_m2,rooms,age_years,distance_km,price_keur";

void houses_generate(DataXY *out, int n, Rng *rng) {
    dataxy_alloc(out, n, HOUSES_D);
    for (int i = 0; i < n; i++) {
        float *x = out->x + (size_t)i * HOUSES_D;
        float area = roundf(rng_uniform_range(rng, 30.0f, 250.0f));
        // bigger flats have more rooms: a correlated feature, as in real listings
        float rooms = roundf(area / 35.0f + 0.8f * rng_normal(rng));
        rooms = rooms < 1 ? 1 : rooms > 8 ? 8 : rooms;
        float age = (float)rng_int(rng, 101);
        float dist = roundf(rng_uniform_range(rng, 0.5f, 30.0f) * 10.0f) / 10.0f;
        x[0] = area, x[1] = rooms, x[2] = age, x[3] = dist;
        float price = HOUSES_TRUE_B + HOUSES_NOISE_STD * rng_normal(rng);
        for (int j = 0; j < HOUSES_D; j++) price += HOUSES_TRUE_W[j] * x[j];
        out->y[i] = roundf(price * 10.0f) / 10.0f;   // prices to 100 EUR, as a CSV would hold them
    }
}

// One field of a CSV line: a finite number within +-HOUSES_MAX_ABS and nothing else.
// Returns 0, FIELD_NOT_A_NUMBER or FIELD_TOO_LARGE.
enum { FIELD_NOT_A_NUMBER = -1, FIELD_TOO_LARGE = -2 };
static int parse_field(const char *s, size_t len, float *value) {
    char buf[64];
    while (len > 0 && (*s == ' ' || *s == '\t')) s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len == 0 || len >= sizeof buf) return FIELD_NOT_A_NUMBER;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);   // double: 1e39 is "too large", not "not a number"
    if (*end != '\0' || isnan(v) || (isinf(v) && errno != ERANGE)) return FIELD_NOT_A_NUMBER;   // "inf"
    if (errno == ERANGE && fabs(v) < 1.0) v = 0.0;   // underflow (1e-50): zero is the honest value
    if (!(fabs(v) <= HOUSES_MAX_ABS)) return FIELD_TOO_LARGE;   // also 1e400, which overflows to inf
    *value = (float)v;
    return 0;
}

int houses_load_csv(DataXY *out, const char *path, char *err, size_t err_len) {
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    int cap = 256, n = 0, line_no = 0, status = -1;
    float *x = xmalloc(sizeof(float) * cap * HOUSES_D), *y = xmalloc(sizeof(float) * cap);
    char *line = text;
    // A byte order mark: UTF-8's (EF BB BF) carries no information, skip it; UTF-16's
    // (FF FE or FE FF) means every character is two bytes, which this parser cannot read.
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) line += 3;
    else if (len >= 2 && (memcmp(text, "\xFF\xFE", 2) == 0 || memcmp(text, "\xFE\xFF", 2) == 0)) {
        snprintf(err, err_len, "%s:1: the file is UTF-16 (it starts with the byte order mark %s); save it as "
                 "UTF-8 or plain ASCII", path, text[0] == '\xFF' ? "FF FE" : "FE FF");
        goto done;
    }
    while (*line) {
        char *nl = strchr(line, '\n');
        size_t line_len = nl ? (size_t)(nl - line) : strlen(line);
        char *next = nl ? nl + 1 : line + line_len;
        if (line_len > 0 && line[line_len - 1] == '\r') line_len--;   // files saved on Windows
        line_no++;
        if (line_no == 1) {
            if (line_len != strlen(HOUSES_HEADER) || strncmp(line, HOUSES_HEADER, line_len) != 0) {
                snprintf(err, err_len, "%s:1: expected the header '%s', found '%.*s'", path, HOUSES_HEADER,
                         (int)(line_len < 80 ? line_len : 80), line);
                goto done;
            }
            line = next;
            continue;
        }
        if (line_len == 0) {   // blank lines (e.g. at the end) are allowed
            line = next;
            continue;
        }
        float row[HOUSES_D + 1];
        int col = 0;
        const char *field = line, *end = line + line_len;
        for (;;) {
            const char *comma = memchr(field, ',', (size_t)(end - field));
            const char *stop = comma ? comma : end;
            int rc = col < HOUSES_D + 1 ? parse_field(field, (size_t)(stop - field), &row[col]) : 0;
            if (rc != 0) {
                int shown = (int)(stop - field < 40 ? stop - field : 40);
                const char *name = col < HOUSES_D ? HOUSES_FEATURE_NAMES[col] : "price_keur";
                if (rc == FIELD_TOO_LARGE)
                    snprintf(err, err_len, "%s:%d: column %d (%s): '%.*s' is too large: values must lie within "
                             "+-%g (squared, larger ones overflow float)", path, line_no, col + 1, name, shown,
                             field, (double)HOUSES_MAX_ABS);
                else
                    snprintf(err, err_len, "%s:%d: column %d (%s): '%.*s' is not a number", path, line_no,
                             col + 1, name, shown, field);
                goto done;
            }
            col++;
            if (!comma) break;
            field = comma + 1;
        }
        if (col != HOUSES_D + 1) {
            snprintf(err, err_len, "%s:%d: expected %d comma-separated numbers, found %d", path, line_no,
                     HOUSES_D + 1, col);
            goto done;
        }
        if (n == cap) {
            cap *= 2;
            x = xrealloc(x, sizeof(float) * cap * HOUSES_D);
            y = xrealloc(y, sizeof(float) * cap);
        }
        memcpy(x + (size_t)n * HOUSES_D, row, sizeof(float) * HOUSES_D);
        y[n++] = row[HOUSES_D];
        line = next;
    }
    if (line_no == 0) {
        snprintf(err, err_len, "%s:1: the file is empty (expected the header '%s')", path, HOUSES_HEADER);
        goto done;
    }
    if (n < 10) {
        snprintf(err, err_len, "%s:%d: only %d houses; need at least 10 to split into train/val/test", path,
                 line_no, n);
        goto done;
    }
    out->x = x, out->y = y, out->n = n, out->d = HOUSES_D;
    x = y = NULL;
    status = 0;
done:
    free(x);
    free(y);
    free(text);
    return status;
}

int houses_save_csv(const DataXY *data, const char *path, char *err, size_t err_len) {
    if (data->d != HOUSES_D) {
        snprintf(err, err_len, "%s: houses have %d features, not %d", path, HOUSES_D, data->d);
        return -1;
    }
    AtomicFile af;
    if (atomic_open(&af, path, err, err_len) != 0) return -1;
    fprintf(af.fp, "%s\n", HOUSES_HEADER);
    for (int i = 0; i < data->n; i++) {
        const float *x = data->x + (size_t)i * HOUSES_D;
        fprintf(af.fp, "%g,%g,%g,%g,%.1f\n", (double)x[0], (double)x[1], (double)x[2], (double)x[3],
                (double)data->y[i]);
    }
    return atomic_commit(&af, err, err_len);
}

// --- sine -----------------------------------------------------------------------------

float sine_truth(float x) { return sinf(6.2831853f * x); }

void sine_generate(DataXY *out, int n, float noise_std, Rng *rng) {
    dataxy_alloc(out, n, 1);
    for (int i = 0; i < n; i++) {
        out->x[i] = rng_uniform(rng);
        out->y[i] = sine_truth(out->x[i]) + noise_std * rng_normal(rng);
    }
}

// --- blobs ----------------------------------------------------------------------------

const float BLOBS_MEAN0[2] = {0.0f, 0.0f};
const float BLOBS_MEAN1[2] = {2.5f, 1.5f};

void blobs_generate(DataXY *out, int n, Rng *rng) {
    dataxy_alloc(out, n, 2);
    for (int i = 0; i < n; i++) {
        int cls = rng_uniform(rng) < 0.5f;
        const float *mean = cls ? BLOBS_MEAN1 : BLOBS_MEAN0;
        out->x[2 * i] = mean[0] + rng_normal(rng);
        out->x[2 * i + 1] = mean[1] + rng_normal(rng);
        out->y[i] = (float)cls;
    }
}
