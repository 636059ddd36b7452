// safetensors.c: reading and writing the Hugging Face safetensors format.
//
// Reading happens in three steps, each of which can reject the file with a reason:
//   1. framing:  the 8-byte header length N must fit in the file;
//   2. the JSON: a small strict parser that knows the one shape a header can have
//      (an object of tensor entries plus an optional "__metadata__" object of
//      strings) and rejects everything else, with the byte offset of the problem;
//   3. the layout: every entry's byte range must match its shape and dtype, and the
//      ranges, sorted by where they begin, must tile the data buffer exactly.
// Because the parser follows that fixed schema instead of building a general JSON
// tree, it never recurses, so a hostile header cannot exhaust the stack.
//
// All multi-byte numbers are assembled from bytes explicitly (little-endian), so
// the code is right on any host and never reads a misaligned float.
#define _POSIX_C_SOURCE 200809L
#include "common/safetensors.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"

#define ST_MAX_HEADER (100u * 1024u * 1024u)   // larger headers are not real checkpoints
#define ST_MAX_DIMS 8
#define ST_NAME_CAP 256                         // StEntry.name, including the NUL

static const char *const dtype_names[] = {"F32", "F16", "BF16", "F64", "I64",
                                          "I32", "I16", "I8",   "U8",  "BOOL"};
static const size_t dtype_sizes[] = {4, 2, 2, 8, 8, 4, 2, 1, 1, 1};
#define ST_N_DTYPES ((int)(sizeof dtype_sizes / sizeof dtype_sizes[0]))

const char *st_dtype_name(StDtype d) {
    return (int)d >= 0 && (int)d < ST_N_DTYPES ? dtype_names[d] : "?";
}

size_t st_dtype_size(StDtype d) { return (int)d >= 0 && (int)d < ST_N_DTYPES ? dtype_sizes[d] : 0; }

// "path: <message>" into err (which may be NULL); always returns -1.
static int fail(char *err, size_t err_len, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t err_len, const char *path, const char *fmt, ...) {
    if (!err || err_len == 0) return -1;
    int n = snprintf(err, err_len, "%s: ", path);
    if (n >= 0 && (size_t)n < err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, err_len - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

// ---- little-endian bytes <-> numbers ------------------------------------------------

static uint64_t get_le(const unsigned char *p, int n_bytes) {
    uint64_t v = 0;
    for (int i = n_bytes - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static void put_le(unsigned char *p, uint64_t v, int n_bytes) {
    for (int i = 0; i < n_bytes; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static float float_from_bits(uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

// IEEE half: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. float32 has
// 8 exponent bits (bias 127) and 23 mantissa bits, so every half is exactly a float:
// re-bias the exponent and shift the mantissa up by 23 - 10 = 13 bits.
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0x1f) {             // inf (mantissa 0) or NaN (payload kept)
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {         // normal: 2^(e-15) * 1.m
        bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {         // +0 or -0
        bits = sign;
    } else {
        // Subnormal: 2^-14 * 0.m, which float32 stores as a normal number. Shift the
        // mantissa left until its leading 1 reaches the implicit-bit position (bit 10),
        // lowering the exponent by one per shift, then drop that implicit bit.
        uint32_t e = 127 - 14;
        while (!(mantissa & 0x400u)) {
            mantissa <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
    }
    return float_from_bits(bits);
}

// bfloat16 is the top half of a float32: same exponent, 7 mantissa bits.
static float bf16_to_float(uint16_t b) { return float_from_bits((uint32_t)b << 16); }

static double double_from_bits(uint64_t bits) {
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

// ---- the JSON header parser -------------------------------------------------------------

typedef struct {
    const char *text;       // the header (not NUL-terminated: the data follows it)
    size_t len, pos;
    const char *path;
    char *err;
    size_t err_len;
} Json;

// Errors in the header name the byte offset in the file (the header starts at 8).
static int json_fail(Json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int json_fail(Json *j, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fail(j->err, j->err_len, j->path, "byte %zu (JSON header): %s", j->pos + 8, msg);
}

// What is at the cursor, for error messages: "'x'", "byte 0x07" or "end of header".
static const char *json_here(const Json *j, char *buf, size_t buf_len) {
    if (j->pos >= j->len) return "end of header";
    unsigned char c = (unsigned char)j->text[j->pos];
    if (c >= 0x20 && c < 0x7f) snprintf(buf, buf_len, "'%c'", c);
    else snprintf(buf, buf_len, "byte 0x%02x", c);
    return buf;
}

static void json_skip_ws(Json *j) {
    while (j->pos < j->len && (j->text[j->pos] == ' ' || j->text[j->pos] == '\t' ||
                               j->text[j->pos] == '\n' || j->text[j->pos] == '\r'))
        j->pos++;
}

// Skips whitespace; consumes c and returns 1 if it is next, else returns 0.
static int json_accept(Json *j, char c) {
    json_skip_ws(j);
    if (j->pos < j->len && j->text[j->pos] == c) {
        j->pos++;
        return 1;
    }
    return 0;
}

static int json_expect(Json *j, char c, const char *context) {
    if (json_accept(j, c)) return 0;
    char buf[16];
    return json_fail(j, "expected '%c' %s, found %s", c, context, json_here(j, buf, sizeof buf));
}

static int hex4(const char *s, uint32_t *v) {
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        *v = (*v << 4) | (uint32_t)d;
    }
    return 0;
}

// Appends code point cp as UTF-8 to out[*n] (when out is not NULL and it fits).
static int put_utf8(char *out, size_t cap, size_t *n, uint32_t cp) {
    unsigned char b[4];
    int k;
    if (cp < 0x80) { b[0] = (unsigned char)cp; k = 1; }
    else if (cp < 0x800) { b[0] = (unsigned char)(0xc0 | (cp >> 6)); k = 2; }
    else if (cp < 0x10000) { b[0] = (unsigned char)(0xe0 | (cp >> 12)); k = 3; }
    else { b[0] = (unsigned char)(0xf0 | (cp >> 18)); k = 4; }
    for (int i = 1; i < k; i++) b[i] = (unsigned char)(0x80 | ((cp >> (6 * (k - 1 - i))) & 0x3f));
    if (out && *n + (size_t)k >= cap) return -1;
    if (out) memcpy(out + *n, b, (size_t)k);
    *n += (size_t)k;
    return 0;
}

// Parses a string into out (NUL-terminated, at most cap-1 bytes; out == NULL just
// validates). `what` names the string in the "too long" message.
static int json_string(Json *j, char *out, size_t cap, const char *what) {
    char buf[16];
    json_skip_ws(j);
    if (j->pos >= j->len || j->text[j->pos] != '"')
        return json_fail(j, "expected a string (%s), found %s", what, json_here(j, buf, sizeof buf));
    j->pos++;
    size_t n = 0;
    for (;;) {
        if (j->pos >= j->len) return json_fail(j, "unterminated string");
        unsigned char c = (unsigned char)j->text[j->pos];
        if (c == '"') break;
        if (c < 0x20) return json_fail(j, "control byte 0x%02x inside a string", c);
        if (c != '\\') {
            if (out && n + 1 >= cap) return json_fail(j, "%s longer than %zu bytes", what, cap - 1);
            if (out) out[n] = (char)c;
            n++;
            j->pos++;
            continue;
        }
        if (j->pos + 1 >= j->len) return json_fail(j, "unterminated string");
        char e = j->text[j->pos + 1];
        uint32_t cp;
        size_t used = 2;
        switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (j->pos + 6 > j->len || hex4(j->text + j->pos + 2, &cp) != 0)
                return json_fail(j, "\\u must be followed by 4 hex digits");
            used = 6;
            if (cp >= 0xdc00 && cp <= 0xdfff) return json_fail(j, "lone low surrogate \\u%04x", (unsigned)cp);
            if (cp >= 0xd800 && cp <= 0xdbff) {
                // a character outside the BMP is written as a surrogate pair \uD8xx\uDCxx
                uint32_t lo;
                if (j->pos + 12 > j->len || j->text[j->pos + 6] != '\\' || j->text[j->pos + 7] != 'u' ||
                    hex4(j->text + j->pos + 8, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
                    return json_fail(j, "high surrogate \\u%04x without a low surrogate", (unsigned)cp);
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                used = 12;
            }
            if (cp == 0) return json_fail(j, "\\u0000 is not allowed in a string");
            break;
        default:
            return json_fail(j, "unknown escape '\\%c'", e >= 0x20 && e < 0x7f ? e : '?');
        }
        if (put_utf8(out, cap, &n, cp) != 0) return json_fail(j, "%s longer than %zu bytes", what, cap - 1);
        j->pos += used;
    }
    j->pos++;   // the closing quote
    if (out) out[n] = '\0';
    return 0;
}

// A JSON integer: -?(0|[1-9][0-9]*). Fractions and exponents are rejected: sizes
// and offsets are whole numbers.
static int json_int(Json *j, int64_t *value, const char *what) {
    char buf[16];
    json_skip_ws(j);
    size_t start = j->pos;
    int negative = j->pos < j->len && j->text[j->pos] == '-';
    if (negative) j->pos++;
    if (j->pos >= j->len || j->text[j->pos] < '0' || j->text[j->pos] > '9') {
        j->pos = start;
        return json_fail(j, "expected an integer (%s), found %s", what, json_here(j, buf, sizeof buf));
    }
    if (j->text[j->pos] == '0' && j->pos + 1 < j->len && j->text[j->pos + 1] >= '0' && j->text[j->pos + 1] <= '9')
        return json_fail(j, "leading zero in an integer (%s)", what);
    uint64_t v = 0;
    while (j->pos < j->len && j->text[j->pos] >= '0' && j->text[j->pos] <= '9') {
        unsigned d = (unsigned)(j->text[j->pos] - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10) return json_fail(j, "integer too large (%s)", what);
        v = v * 10 + d;
        j->pos++;
    }
    if (j->pos < j->len && (j->text[j->pos] == '.' || j->text[j->pos] == 'e' || j->text[j->pos] == 'E'))
        return json_fail(j, "expected an integer (%s), found a fraction or exponent", what);
    *value = negative ? -(int64_t)v : (int64_t)v;
    return 0;
}

// [int, int, ...] into values (at most max); *count gets the length.
static int json_int_array(Json *j, int64_t *values, int max, int *count, const char *what) {
    char context[48];
    snprintf(context, sizeof context, "to open %s", what);
    *count = 0;
    if (json_expect(j, '[', context) != 0) return -1;
    if (json_accept(j, ']')) return 0;
    do {
        if (*count == max) return json_fail(j, "%s has more than %d entries", what, max);
        if (json_int(j, &values[*count], what) != 0) return -1;
        (*count)++;
    } while (json_accept(j, ','));
    return json_expect(j, ']', "or ',' in an array");
}

// One tensor entry: {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
// each key exactly once, no others.
static int json_entry(Json *j, StEntry *e) {
    int seen_dtype = 0, seen_shape = 0, seen_offsets = 0;
    if (json_expect(j, '{', "to open the tensor's entry") != 0) return -1;
    if (!json_accept(j, '}')) {
        do {
            char key[32];
            json_skip_ws(j);
            size_t key_pos = j->pos;
            if (json_string(j, key, sizeof key, "key of a tensor entry") != 0) return -1;
            if (json_expect(j, ':', "after a key") != 0) return -1;
            int *seen = strcmp(key, "dtype") == 0 ? &seen_dtype : strcmp(key, "shape") == 0 ? &seen_shape
                      : strcmp(key, "data_offsets") == 0 ? &seen_offsets : NULL;
            if (!seen) {
                j->pos = key_pos;
                return json_fail(j, "tensor '%s': unknown key \"%s\" (expected dtype, shape, data_offsets)",
                                 e->name, key);
            }
            if (*seen) {
                j->pos = key_pos;
                return json_fail(j, "tensor '%s': key \"%s\" appears twice", e->name, key);
            }
            *seen = 1;
            if (seen == &seen_dtype) {
                char dtype[32];
                json_skip_ws(j);
                size_t dtype_pos = j->pos;
                if (json_string(j, dtype, sizeof dtype, "dtype") != 0) return -1;
                int d = 0;
                while (d < ST_N_DTYPES && strcmp(dtype, dtype_names[d]) != 0) d++;
                if (d == ST_N_DTYPES) {
                    j->pos = dtype_pos;
                    return json_fail(j, "tensor '%s': unknown dtype '%s' (known: F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL)",
                                     e->name, dtype);
                }
                e->dtype = (StDtype)d;
            } else if (seen == &seen_shape) {
                json_skip_ws(j);
                size_t shape_pos = j->pos;
                if (json_int_array(j, e->shape, ST_MAX_DIMS, &e->ndim, "shape") != 0) return -1;
                for (int i = 0; i < e->ndim; i++)
                    if (e->shape[i] < 0) {
                        j->pos = shape_pos;
                        return json_fail(j, "tensor '%s': shape dimension %d is negative (%" PRId64 ")",
                                         e->name, i, e->shape[i]);
                    }
            } else {
                int64_t offsets[2];
                int n;
                json_skip_ws(j);
                size_t offsets_pos = j->pos;
                if (json_int_array(j, offsets, 2, &n, "data_offsets") != 0) return -1;
                if (n != 2 || offsets[0] < 0 || offsets[1] < 0) {
                    j->pos = offsets_pos;
                    return json_fail(j, "tensor '%s': data_offsets must be 2 non-negative integers [begin, end]",
                                     e->name);
                }
                e->begin = (uint64_t)offsets[0];
                e->end = (uint64_t)offsets[1];
            }
        } while (json_accept(j, ','));
        if (json_expect(j, '}', "or ',' in a tensor entry") != 0) return -1;
    }
    const char *missing = !seen_dtype ? "dtype" : !seen_shape ? "shape" : !seen_offsets ? "data_offsets" : NULL;
    if (missing) return json_fail(j, "tensor '%s': missing \"%s\"", e->name, missing);
    return 0;
}

// "__metadata__": {"key": "value", ...}, strings only.
static int json_metadata(Json *j) {
    if (json_expect(j, '{', "to open __metadata__") != 0) return -1;
    if (json_accept(j, '}')) return 0;
    do {
        if (json_string(j, NULL, 0, "__metadata__ key") != 0) return -1;
        if (json_expect(j, ':', "after a key") != 0) return -1;
        if (json_string(j, NULL, 0, "__metadata__ value") != 0) return -1;
    } while (json_accept(j, ','));
    return json_expect(j, '}', "or ',' in __metadata__");
}

// The whole header: fills f->entries, f->n_entries and f->metadata_json.
static int json_header(Json *j, StFile *f) {
    int cap = 0;
    if (json_expect(j, '{', "at the start of the header") != 0) return -1;
    if (!json_accept(j, '}')) {
        do {
            char name[ST_NAME_CAP];
            json_skip_ws(j);
            size_t name_pos = j->pos;
            if (json_string(j, name, sizeof name, "tensor name") != 0) return -1;
            if (json_expect(j, ':', "after a key") != 0) return -1;
            if (strcmp(name, "__metadata__") == 0) {
                if (f->metadata_json) {
                    j->pos = name_pos;
                    return json_fail(j, "\"__metadata__\" appears twice");
                }
                json_skip_ws(j);
                size_t start = j->pos;
                if (json_metadata(j) != 0) return -1;
                size_t n = j->pos - start;
                f->metadata_json = xmalloc(n + 1);
                memcpy(f->metadata_json, j->text + start, n);
                f->metadata_json[n] = '\0';
                continue;
            }
            if (f->n_entries == cap) {
                cap = cap ? 2 * cap : 16;
                f->entries = xrealloc(f->entries, (size_t)cap * sizeof(StEntry));
            }
            StEntry *e = &f->entries[f->n_entries++];
            memset(e, 0, sizeof *e);
            memcpy(e->name, name, sizeof name);
            if (json_entry(j, e) != 0) return -1;
        } while (json_accept(j, ','));
        if (json_expect(j, '}', "or ',' between tensors") != 0) return -1;
    }
    json_skip_ws(j);   // the writer may pad the header with spaces
    if (j->pos != j->len) {
        char buf[16];
        return json_fail(j, "unexpected %s after the header object", json_here(j, buf, sizeof buf));
    }
    return 0;
}

// ---- the layout checks -------------------------------------------------------------------

static const char *entry_shape_str(const StEntry *e, char *buf, size_t buf_len) {
    size_t used = (size_t)snprintf(buf, buf_len, "(");
    for (int i = 0; i < e->ndim && used < buf_len; i++)
        used += (size_t)snprintf(buf + used, buf_len - used, i ? ", %" PRId64 : "%" PRId64, e->shape[i]);
    if (used < buf_len) snprintf(buf + used, buf_len - used, ")");
    return buf;
}

// Bytes the shape needs, or UINT64_MAX when that does not fit in 64 bits.
static uint64_t entry_needed_bytes(const StEntry *e) {
    uint64_t n = st_dtype_size(e->dtype);
    for (int i = 0; i < e->ndim; i++) {
        uint64_t d = (uint64_t)e->shape[i];
        if (d != 0 && n > UINT64_MAX / d) return UINT64_MAX;
        n *= d;
    }
    return n;
}

static int by_name(const void *a, const void *b) {
    return strcmp((*(const StEntry *const *)a)->name, (*(const StEntry *const *)b)->name);
}

static int by_begin(const void *a, const void *b) {
    const StEntry *x = *(const StEntry *const *)a, *y = *(const StEntry *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

static int check_layout(const StFile *f, char *err, size_t err_len) {
    for (int i = 0; i < f->n_entries; i++) {
        const StEntry *e = &f->entries[i];
        char shape[160];
        if (e->end < e->begin)
            return fail(err, err_len, f->path, "tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] end before they begin",
                        e->name, e->begin, e->end);
        uint64_t needed = entry_needed_bytes(e);
        if (needed == UINT64_MAX)
            return fail(err, err_len, f->path, "tensor '%s': shape %s %s needs more than 2^64 bytes", e->name,
                        entry_shape_str(e, shape, sizeof shape), st_dtype_name(e->dtype));
        if (needed != e->end - e->begin)
            return fail(err, err_len, f->path,
                        "tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] but shape %s %s needs %" PRIu64 " bytes",
                        e->name, e->begin, e->end, entry_shape_str(e, shape, sizeof shape),
                        st_dtype_name(e->dtype), needed);
        if (e->end > f->data_len)
            return fail(err, err_len, f->path,
                        "tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] past the end of the data buffer (%" PRIu64 " bytes)",
                        e->name, e->begin, e->end, f->data_len);
    }
    if (f->n_entries == 0) {
        if (f->data_len != 0)
            return fail(err, err_len, f->path, "no tensors, but %" PRIu64 " bytes of data", f->data_len);
        return 0;
    }
    const StEntry **sorted = xmalloc((size_t)f->n_entries * sizeof *sorted);
    for (int i = 0; i < f->n_entries; i++) sorted[i] = &f->entries[i];
    int rc = 0;

    qsort(sorted, (size_t)f->n_entries, sizeof *sorted, by_name);
    for (int i = 1; i < f->n_entries && rc == 0; i++)
        if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0)
            rc = fail(err, err_len, f->path, "duplicate tensor name '%s'", sorted[i]->name);

    // Sorted by where they begin, each tensor must start exactly where the previous
    // one ended: earlier means two tensors share bytes, later leaves unused bytes.
    qsort(sorted, (size_t)f->n_entries, sizeof *sorted, by_begin);
    uint64_t covered = 0;
    for (int i = 0; i < f->n_entries && rc == 0; i++) {
        const StEntry *e = sorted[i];
        if (e->begin < covered)
            rc = fail(err, err_len, f->path,
                      "tensor '%s' [%" PRIu64 ", %" PRIu64 "] overlaps tensor '%s' [%" PRIu64 ", %" PRIu64 "]",
                      e->name, e->begin, e->end, sorted[i - 1]->name, sorted[i - 1]->begin, sorted[i - 1]->end);
        else if (e->begin > covered)
            rc = fail(err, err_len, f->path, "hole in the data buffer: bytes [%" PRIu64 ", %" PRIu64 ") belong to no tensor",
                      covered, e->begin);
        covered = e->end;
    }
    if (rc == 0 && covered != f->data_len)
        rc = fail(err, err_len, f->path,
                  "hole in the data buffer: bytes [%" PRIu64 ", %" PRIu64 ") at the end belong to no tensor",
                  covered, f->data_len);
    free(sorted);
    return rc;
}

// ---- reading -------------------------------------------------------------------------------

int st_open(StFile *f, const char *path, char *err, size_t err_len) {
    memset(f, 0, sizeof *f);
    if (strlen(path) >= sizeof f->path) return fail(err, err_len, path, "path too long");
    memcpy(f->path, path, strlen(path) + 1);

    size_t len = 0;
    f->file_bytes = read_file(path, &len);
    if (!f->file_bytes) return fail(err, err_len, path, "cannot read: %s", strerror(errno));
    const unsigned char *bytes = (const unsigned char *)f->file_bytes;
    int rc = 0;
    uint64_t header_len = 0;
    if (len < 8) {
        rc = fail(err, err_len, path, "file is %zu bytes, shorter than the 8-byte header length", len);
        goto done;
    }
    header_len = get_le(bytes, 8);
    if (header_len > ST_MAX_HEADER) {
        rc = fail(err, err_len, path, "header length %" PRIu64 " is absurd (over 100 MB): not a safetensors file?",
                  header_len);
        goto done;
    }
    if (header_len > len - 8) {
        rc = fail(err, err_len, path, "header length %" PRIu64 " runs past the end of the file (%zu bytes): truncated?",
                  header_len, len);
        goto done;
    }
    f->data = (unsigned char *)f->file_bytes + 8 + header_len;
    f->data_len = (uint64_t)(len - 8 - (size_t)header_len);

    Json j = {f->file_bytes + 8, (size_t)header_len, 0, path, err, err_len};
    rc = json_header(&j, f);
    if (rc == 0) rc = check_layout(f, err, err_len);
done:
    if (rc != 0) st_close(f);
    return rc;
}

void st_close(StFile *f) {
    free(f->entries);
    free(f->file_bytes);
    free(f->metadata_json);
    memset(f, 0, sizeof *f);
}

const StEntry *st_find(const StFile *f, const char *name) {
    for (int i = 0; i < f->n_entries; i++)
        if (strcmp(f->entries[i].name, name) == 0) return &f->entries[i];
    return NULL;
}

int st_read_tensor(const StFile *f, Tensor *t, char *err, size_t err_len) {
    return st_read_tensor_as(f, t, t->name, err, err_len);
}

int st_read_tensor_as(const StFile *f, Tensor *t, const char *file_name, char *err, size_t err_len) {
    const StEntry *e = st_find(f, file_name);
    if (!e) return fail(err, err_len, f->path, "no tensor named '%s' in the file", file_name);
    int same = e->ndim == t->ndim;
    for (int i = 0; same && i < e->ndim; i++) same = e->shape[i] == t->shape[i];
    if (!same) {
        char file_shape[160], want_shape[96];
        return fail(err, err_len, f->path, "tensor '%s' has shape %s in the file but %s here", file_name,
                    entry_shape_str(e, file_shape, sizeof file_shape), tensor_shape_str(t, want_shape, sizeof want_shape));
    }
    const unsigned char *p = f->data + e->begin;
    size_t n = t->size;
    switch (e->dtype) {
    case ST_F32:
        for (size_t i = 0; i < n; i++) t->data[i] = float_from_bits((uint32_t)get_le(p + 4 * i, 4));
        break;
    case ST_F16:
        for (size_t i = 0; i < n; i++) t->data[i] = half_to_float((uint16_t)get_le(p + 2 * i, 2));
        break;
    case ST_BF16:
        for (size_t i = 0; i < n; i++) t->data[i] = bf16_to_float((uint16_t)get_le(p + 2 * i, 2));
        break;
    case ST_F64:
        for (size_t i = 0; i < n; i++) t->data[i] = (float)double_from_bits(get_le(p + 8 * i, 8));
        break;
    default:
        return fail(err, err_len, f->path, "tensor '%s': dtype %s cannot be read as float32 (F32, F16, BF16, F64 can)",
                    file_name, st_dtype_name(e->dtype));
    }
    return 0;
}

void st_load_or_die(const char *path, TensorList *tensors) {
    char err[512];
    StFile f;
    if (st_open(&f, path, err, sizeof err) != 0) DIE("cannot load checkpoint: %s", err);
    for (int i = 0; i < tensors->count; i++)
        if (st_read_tensor(&f, tensors->items[i], err, sizeof err) != 0) {
            st_close(&f);
            DIE("cannot load checkpoint: %s", err);
        }
    st_close(&f);
}

// ---- writing -------------------------------------------------------------------------------

typedef struct {
    char *s;
    size_t len, cap;
} StrBuf;

static void sb_add(StrBuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap) b->cap = b->cap ? 2 * b->cap : 1024;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(StrBuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(StrBuf *b, const char *fmt, ...) {
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

// A JSON string literal: quotes, backslashes and control bytes escaped.
static void sb_json_string(StrBuf *b, const char *s) {
    sb_puts(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            sb_add(b, esc, 2);
        } else if (c == '\n' || c == '\t' || c == '\r') {
            char esc[2] = {'\\', c == '\n' ? 'n' : c == '\t' ? 't' : 'r'};
            sb_add(b, esc, 2);
        } else if (c < 0x20) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_add(b, (const char *)&c, 1);
        }
    }
    sb_puts(b, "\"");
}

int st_save(const char *path, const TensorList *tensors, const char *const *metadata,
            char *err, size_t err_len) {
    int n_tensors = tensors ? tensors->count : 0;
    // Refuse what the reader would refuse, before touching the disk.
    for (int i = 0; i < n_tensors; i++) {
        const char *name = tensors->items[i]->name;
        if (strcmp(name, "__metadata__") == 0)
            return fail(err, err_len, path, "a tensor cannot be named '__metadata__'");
        for (int k = 0; k < i; k++)
            if (strcmp(tensors->items[k]->name, name) == 0)
                return fail(err, err_len, path, "duplicate tensor name '%s' (entries %d and %d)", name, k, i);
    }

    StrBuf h = {0};
    sb_puts(&h, "{");
    if (metadata) {
        sb_puts(&h, "\"__metadata__\":{");
        for (int i = 0; metadata[i]; i += 2) {
            if (!metadata[i + 1]) {
                free(h.s);
                return fail(err, err_len, path, "metadata key '%s' has no value", metadata[i]);
            }
            if (i) sb_puts(&h, ",");
            sb_json_string(&h, metadata[i]);
            sb_puts(&h, ":");
            sb_json_string(&h, metadata[i + 1]);
        }
        sb_puts(&h, "}");
    }
    uint64_t offset = 0;
    for (int i = 0; i < n_tensors; i++) {
        const Tensor *t = tensors->items[i];
        if (i || metadata) sb_puts(&h, ",");
        sb_json_string(&h, t->name);
        sb_puts(&h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++) sb_printf(&h, d ? ",%d" : "%d", t->shape[d]);
        uint64_t bytes = (uint64_t)t->size * 4;
        sb_printf(&h, "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}", offset, offset + bytes);
        offset += bytes;
    }
    sb_puts(&h, "}");
    // Pad with spaces so the data buffer starts 8-byte aligned in the file.
    while (h.len % 8) sb_puts(&h, " ");

    AtomicFile af;
    if (atomic_open(&af, path, err, err_len) != 0) {
        free(h.s);
        return -1;
    }
    unsigned char chunk[4096];
    put_le(chunk, h.len, 8);
    int ok = fwrite(chunk, 1, 8, af.fp) == 8 && fwrite(h.s, 1, h.len, af.fp) == h.len;
    free(h.s);
    for (int i = 0; ok && i < n_tensors; i++) {
        const Tensor *t = tensors->items[i];
        for (size_t start = 0; ok && start < t->size; start += sizeof chunk / 4) {
            size_t n = t->size - start < sizeof chunk / 4 ? t->size - start : sizeof chunk / 4;
            for (size_t k = 0; k < n; k++) {
                uint32_t bits;
                memcpy(&bits, &t->data[start + k], 4);
                put_le(chunk + 4 * k, bits, 4);
            }
            ok = fwrite(chunk, 4, n, af.fp) == n;
        }
    }
    if (!ok) {
        fail(err, err_len, path, "write failed (disk full?): %s", strerror(errno));
        atomic_abort(&af);
        return -1;
    }
    return atomic_commit(&af, err, err_len);
}
