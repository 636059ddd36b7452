// unicode.c: see unicode.h. Lookups are binary searches over sorted tables; ASCII,
// nearly all of the text this chapter reads, is answered before any search.
#include "chapters/07_bert/unicode.h"

#include "chapters/03_imdb_sentiment/tokenizer.h"

#include <string.h>

typedef struct {
    uint32_t lo, hi;
    int value;
} UniRun;

typedef struct {
    uint32_t cp;
    int offset, len;
} UniDec;

#include "chapters/07_bert/unicode_tables.inc"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

// ---- UTF-8 --------------------------------------------------------------------------------

// Chapter 03's decoder (RFC 3629: shortest form, no surrogates, at most U+10FFFF) does
// the work; a byte that starts no valid sequence is read as U+FFFD, one byte at a time.
int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp, int *invalid) {
    unsigned v;
    int len = tok_utf8_len(s, n, &v);
    if (len == 0) {
        *cp = UNI_REPLACEMENT, *invalid = 1;
        return 1;
    }
    *cp = v, *invalid = 0;
    return len;
}

int utf8_encode(uint32_t cp, char *out) {
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6)), o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12)), o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18)), o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

int utf8_valid(const char *s, size_t n, size_t *bad_at) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int invalid;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        i += (size_t)utf8_decode(p + i, n - i, &cp, &invalid);
        if (invalid) {
            if (bad_at) *bad_at = i - 1;
            return 0;
        }
    }
    return 1;
}

// ---- classes ----------------------------------------------------------------------------------

static int run_lookup(const UniRun *runs, int n, uint32_t cp, int missing) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < runs[mid].lo) hi = mid - 1;
        else if (cp > runs[mid].hi) lo = mid + 1;
        else return runs[mid].value;
    }
    return missing;
}

UniClass uni_class(uint32_t cp) {
    if (cp < 0x80) {   // the table's first runs, without the search
        if (cp < 0x20 || cp == 0x7F) return UNI_CONTROL;
        if (cp == ' ') return UNI_SPACE;
        return cp && strchr("!\"#%&'()*,-./:;?@[\\]_{}", (int)cp) ? UNI_PUNCT : UNI_OTHER;   // P*, not S*
    }
    if (cp > 0x10FFFF) return UNI_CONTROL;
    return (UniClass)run_lookup(uni_class_runs, COUNT(uni_class_runs), cp, UNI_CONTROL);
}

int uni_is_control(uint32_t cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') return 0;
    return uni_class(cp) == UNI_CONTROL;
}

int uni_is_whitespace(uint32_t cp) {
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029) return 1;
    return cp >= 0x80 && uni_class(cp) == UNI_SPACE;
}

int uni_is_punct(uint32_t cp) {
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
        return 1;
    return cp >= 0x80 && uni_class(cp) == UNI_PUNCT;
}

int uni_is_cjk(uint32_t cp) {
    // the CJK Unified Ideographs blocks (and their extensions and compatibility
    // ideographs) that BERT's tokenizer lists; not Japanese kana or Korean Hangul,
    // which are written with spaces between words
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

int uni_ccc(uint32_t cp) {
    if (cp < 0x300) return 0;
    return run_lookup(uni_ccc_runs, COUNT(uni_ccc_runs), cp, 0);
}

// ---- case and decomposition ---------------------------------------------------------------------

int uni_lower(uint32_t cp, uint32_t out[2]) {
    if (cp < 0x80) {
        out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        return 1;
    }
    if (cp == 0x130) {   // SpecialCasing.txt: İ -> i + combining dot above
        out[0] = 'i', out[1] = 0x307;
        return 2;
    }
    int lo = 0, hi = COUNT(uni_lower_pairs) - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        uint32_t k = (uint32_t)uni_lower_pairs[mid][0];
        if (cp < k) hi = mid - 1;
        else if (cp > k) lo = mid + 1;
        else {
            out[0] = (uint32_t)uni_lower_pairs[mid][1];
            return 1;
        }
    }
    out[0] = cp;
    return 1;
}

// Writes the full decomposition of one code point; returns its length (<= UNI_NFD_MAX).
static int decompose_one(uint32_t cp, uint32_t *out) {
    // Hangul syllables decompose by arithmetic (Unicode ch. 3.12), not by table:
    // S = 0xAC00 + (L * 21 + V) * 28 + T
    const uint32_t s_base = 0xAC00, l_base = 0x1100, v_base = 0x1161, t_base = 0x11A7;
    if (cp >= s_base && cp < s_base + 11172) {
        uint32_t s = cp - s_base, t = s % 28;
        out[0] = l_base + s / 588, out[1] = v_base + (s % 588) / 28;
        if (!t) return 2;
        out[2] = t_base + t;
        return 3;
    }
    if (cp >= 0xC0) {
        int lo = 0, hi = COUNT(uni_dec) - 1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2;
            if (cp < uni_dec[mid].cp) hi = mid - 1;
            else if (cp > uni_dec[mid].cp) lo = mid + 1;
            else {
                for (int i = 0; i < uni_dec[mid].len; i++) out[i] = (uint32_t)uni_dec_flat[uni_dec[mid].offset + i];
                return uni_dec[mid].len;
            }
        }
    }
    out[0] = cp;
    return 1;
}

int uni_nfd(const uint32_t *in, int n, uint32_t *out, int cap) {
    _Static_assert(UNI_DEC_MAX <= UNI_NFD_MAX, "a decomposition longer than UNI_NFD_MAX");
    int m = 0;
    for (int i = 0; i < n; i++) {
        uint32_t piece[UNI_NFD_MAX];
        int k = decompose_one(in[i], piece);
        for (int j = 0; j < k && m < cap; j++) out[m++] = piece[j];
    }
    // canonical ordering: within each run of combining marks (ccc > 0), a stable sort
    // by combining class, so "a + dot below + acute" and "a + acute + dot below" agree
    for (int i = 1; i < m; i++) {
        int c = uni_ccc(out[i]);
        if (!c) continue;
        uint32_t x = out[i];
        int j = i;
        while (j > 0 && uni_ccc(out[j - 1]) > c) out[j] = out[j - 1], j--;
        out[j] = x;
    }
    return m;
}
