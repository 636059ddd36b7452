// json.c: see json.h.
#include "common/json.h"

#include <stdlib.h>
#include <string.h>

// Unescapes the string starting after its opening quote at s; returns the position
// after the closing quote, or NULL. out may be NULL (just skip).
static const char *read_string(const char *s, char *out, size_t out_len, int *ok) {
    size_t n = 0;
    *ok = 1;
    for (; *s && *s != '"'; s++) {
        char c = *s;
        if (c == '\\') {
            s++;
            switch (*s) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'u': {
                char hex[5] = {0};
                for (int i = 0; i < 4; i++) {
                    if (!s[1 + i]) return NULL;
                    hex[i] = s[1 + i];
                }
                long v = strtol(hex, NULL, 16);
                s += 4;
                if (v >= 0x80) *ok = 0;
                c = (char)v;
                break;
            }
            case 0: return NULL;
            default: *ok = 0;
            }
        }
        if (out) {
            if (n + 1 >= out_len) *ok = 0;
            else out[n++] = c;
        }
    }
    if (*s != '"') return NULL;
    if (out && out_len) out[n < out_len ? n : out_len - 1] = 0;
    return s + 1;
}

// The value of key at depth 1, or NULL.
static const char *find_value(const char *json, const char *key) {
    int depth = 0, ok;
    size_t klen = strlen(key);
    for (const char *p = json; p && *p; p++) {
        if (*p == '{' || *p == '[') depth++;
        else if (*p == '}' || *p == ']') depth--;
        else if (*p == '"') {
            const char *start = p + 1;
            const char *end = read_string(start, NULL, 0, &ok);
            if (!end) return NULL;
            const char *q = end;
            while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r') q++;
            if (depth == 1 && *q == ':' && (size_t)(end - 1 - start) == klen && !strncmp(start, key, klen)) {
                q++;
                while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r') q++;
                return q;
            }
            p = end - 1;
        }
    }
    return NULL;
}

int json_get_string(const char *json, const char *key, char *out, size_t out_len) {
    const char *v = json ? find_value(json, key) : NULL;
    int ok;
    if (!v || *v != '"' || out_len == 0) return -1;
    if (!read_string(v + 1, out, out_len, &ok) || !ok) return -1;
    return 0;
}

int json_get_number(const char *json, const char *key, double *out) {
    const char *v = json ? find_value(json, key) : NULL;
    if (!v) return -1;
    char *end;
    double d = strtod(v, &end);
    if (end == v) return -1;
    *out = d;
    return 0;
}

int json_get_bool(const char *json, const char *key, int *out) {
    const char *v = json ? find_value(json, key) : NULL;
    if (!v) return -1;
    if (!strncmp(v, "true", 4)) *out = 1;
    else if (!strncmp(v, "false", 5)) *out = 0;
    else return -1;
    return 0;
}
