#include "common/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

void *xmalloc(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) DIE("out of memory asking for %zu bytes", bytes);
    return p;
}

void *xcalloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) DIE("allocation of %zu x %zu bytes overflows", count, size);
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) DIE("out of memory asking for %zu x %zu bytes", count, size);
    return p;
}

void *xrealloc(void *ptr, size_t bytes) {
    void *p = realloc(ptr, bytes ? bytes : 1);
    if (!p) DIE("out of memory growing a buffer to %zu bytes", bytes);
    return p;
}

char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

float *fzeros(size_t n) { return xcalloc(n, sizeof(float)); }
