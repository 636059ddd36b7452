// tokenizer.c: the rules of tokenizer.h, one character class at a time.
#include "chapters/03_imdb_sentiment/tokenizer.h"

#include <string.h>

typedef enum { CH_SPACE, CH_WORD, CH_APOS, CH_PUNCT } CharClass;

// Length of an HTML line break `<br>`, `<br/>`, `<br />` (any case, spaces allowed
// before the slash and the '>') starting at p, or 0.
static int html_break_len(const unsigned char *p, const unsigned char *end) {
    const unsigned char *q = p;
    if (end - q < 4 || q[0] != '<' || (q[1] | 0x20) != 'b' || (q[2] | 0x20) != 'r') return 0;
    q += 3;
    while (q < end && *q == ' ') q++;
    if (q < end && *q == '/') q++;
    while (q < end && *q == ' ') q++;
    if (q < end && *q == '>') return (int)(q + 1 - p);
    return 0;
}

// Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0 if the
// bytes there are not one (RFC 3629: shortest form only, no surrogates, <= U+10FFFF).
// *cp gets the code point when the sequence is valid.
int tok_utf8_len(const unsigned char *s, size_t n, unsigned *cp_out) {
    unsigned c = s[0];
    if (c < 0x80) {
        *cp_out = c;
        return 1;
    }
    int len;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, min = 0x10000;
    else return 0;   // 0x80..0xC1 (continuation or overlong lead) and 0xF5..0xFF never start one
    if ((size_t)len > n) return 0;
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    *cp_out = cp;
    return len;
}

// Classifies the character at p (a whole UTF-8 sequence); *n gets its byte length.
// A byte that does not start a valid sequence is read as U+FFFD, exactly what
// imdb_utf8_repair writes in its place (*bad = 1): so a text tokenizes the same
// whether or not it was repaired first (training reads repaired files, --predict
// reads the command line as it is).
static CharClass classify(const unsigned char *p, const unsigned char *end, int *n, int *bad) {
    unsigned cp;
    *bad = 0;
    *n = tok_utf8_len(p, (size_t)(end - p), &cp);
    if (*n == 0) {
        *n = 1, *bad = 1;
        return CH_WORD;   // U+FFFD is >= U+00C0 and outside U+2000..U+206F
    }
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) return CH_WORD;
        if (cp == '\'') return CH_APOS;
        if (cp > ' ' && cp < 0x7F) return CH_PUNCT;
        return CH_SPACE;   // whitespace and control characters
    }
    if (cp == 0x2019 || cp == 0x00B4) return CH_APOS;   // typographic apostrophes
    if (cp < 0xC0) return CH_SPACE;                     // C1 controls, nbsp, Latin-1 signs
    if (cp >= 0x2000 && cp <= 0x206F) return CH_SPACE;  // General Punctuation
    return CH_WORD;                                     // everything else, symbols too
}

void tok_begin(TokIter *it, const char *text, size_t len) {
    it->p = (const unsigned char *)text;
    it->end = it->p + len;
    it->word[0] = '\0';
    it->len = 0;
}

// Appends the character at p (n bytes, a word character) to the token if it fits.
static void append(TokIter *it, const unsigned char *p, int n, int *full) {
    if (*full || it->len + n > TOK_MAX_BYTES) {   // cut at a character boundary
        *full = 1;
        return;
    }
    if (n == 1) {
        unsigned char c = p[0];
        it->word[it->len++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    } else {
        memcpy(it->word + it->len, p, (size_t)n);
        it->len += n;
    }
}

int tok_next(TokIter *it) {
    const unsigned char *p = it->p, *end = it->end;
    it->len = 0;
    while (p < end) {
        int br = html_break_len(p, end);
        if (br) {
            p += br;
            continue;
        }
        int n, bad;
        CharClass cls = classify(p, end, &n, &bad);
        if (cls == CH_PUNCT) {   // a token of its own
            it->word[0] = (char)p[0];
            it->len = 1;
            p += 1;
            break;
        }
        if (cls != CH_WORD) {    // spaces, and apostrophes outside words
            p += n;
            continue;
        }
        // A word: word characters, and apostrophes with a word character on each side.
        int full = 0;
        while (p < end) {
            cls = classify(p, end, &n, &bad);
            if (cls == CH_WORD) {
                if (bad) append(it, (const unsigned char *)"\xEF\xBF\xBD", 3, &full);   // U+FFFD
                else append(it, p, n, &full);
                p += n;
            } else if (cls == CH_APOS && p + n < end && !html_break_len(p + n, end)) {
                int n2, bad2;
                if (classify(p + n, end, &n2, &bad2) != CH_WORD) break;
                append(it, (const unsigned char *)"'", 1, &full);
                p += n;
            } else {
                break;
            }
        }
        break;
    }
    it->p = p;
    it->word[it->len] = '\0';
    return it->len > 0;
}

int tok_split(const char *text, size_t len, char *out, int out_stride, int max_tokens) {
    TokIter it;
    tok_begin(&it, text, len);
    int n = 0;
    while (tok_next(&it)) {
        if (n < max_tokens) memcpy(out + (size_t)n * out_stride, it.word, (size_t)it.len + 1);
        n++;
    }
    return n;
}

uint64_t tok_hash(const char *s, int len) {
    uint64_t h = 14695981039346656037ull;   // FNV-1a offset basis and prime
    for (int i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}
