#include "common/tensor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"

void tensor_alloc(Tensor *t, const char *name, int with_grad, int ndim, ...) {
    if (ndim < 1 || ndim > TENSOR_MAX_DIMS) DIE("tensor '%s': ndim %d not in 1..%d", name, ndim, TENSOR_MAX_DIMS);
    memset(t, 0, sizeof(*t));
    // a silently shortened name would later fail to match its checkpoint entry
    if (strlen(name) >= sizeof(t->name)) DIE("tensor name '%s' is longer than %d characters", name, TENSOR_NAME_LEN - 1);
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->ndim = ndim;
    t->size = 1;
    va_list ap;
    va_start(ap, ndim);
    for (int i = 0; i < ndim; i++) {
        int d = va_arg(ap, int);
        if (d <= 0) DIE("tensor '%s': dimension %d is %d, must be positive", name, i, d);
        t->shape[i] = d;
        t->size *= (size_t)d;
    }
    va_end(ap);
    t->data = fzeros(t->size);
    t->grad = with_grad ? fzeros(t->size) : NULL;
}

void tensor_free(Tensor *t) {
    free(t->data);
    free(t->grad);
    t->data = t->grad = NULL;
    t->size = 0;
}

void tensor_zero_grad(Tensor *t) {
    if (t->grad) memset(t->grad, 0, t->size * sizeof(float));
}

const char *tensor_shape_str(const Tensor *t, char *buf, size_t buf_len) {
    size_t used = (size_t)snprintf(buf, buf_len, "(");
    for (int i = 0; i < t->ndim && used < buf_len; i++)
        used += (size_t)snprintf(buf + used, buf_len - used, i ? ", %d" : "%d", t->shape[i]);
    if (used < buf_len) snprintf(buf + used, buf_len - used, ")");
    return buf;
}

void tensorlist_add(TensorList *list, Tensor *t) {
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? 2 * list->capacity : 16;
        list->items = xrealloc(list->items, (size_t)list->capacity * sizeof(Tensor *));
    }
    list->items[list->count++] = t;
}

void tensorlist_free(TensorList *list) {
    free(list->items);
    memset(list, 0, sizeof(*list));
}

void tensorlist_zero_grad(TensorList *list) {
    for (int i = 0; i < list->count; i++) tensor_zero_grad(list->items[i]);
}

size_t tensorlist_numel(const TensorList *list) {
    size_t n = 0;
    for (int i = 0; i < list->count; i++) n += list->items[i]->size;
    return n;
}

Tensor *tensorlist_find(const TensorList *list, const char *name) {
    for (int i = 0; i < list->count; i++)
        if (strcmp(list->items[i]->name, name) == 0) return list->items[i];
    return NULL;
}
