// mem.h: allocation that fails loudly. A training run that silently gets NULL
// crashes far from the cause; these stop at the cause with the size asked for.
#ifndef COMMON_MEM_H
#define COMMON_MEM_H

#include <stddef.h>

void *xmalloc(size_t bytes);                 // never returns NULL
void *xcalloc(size_t count, size_t size);    // zeroed; checks count*size overflow
void *xrealloc(void *ptr, size_t bytes);
char *xstrdup(const char *s);

// Allocates n floats, zeroed. Float buffers are the book's currency.
float *fzeros(size_t n);

#endif
