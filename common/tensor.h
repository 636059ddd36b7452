// tensor.h: the one owning type of the book. A Tensor is a named float32 buffer,
// row-major, up to 4 dimensions, with an optional gradient buffer of the same size.
// Layer code works on raw float* (as the math does); Tensors are what own memory
// and what the optimiser, the checkpoint writer and the gradient checker loop over.
#ifndef COMMON_TENSOR_H
#define COMMON_TENSOR_H

#include <stddef.h>

#define TENSOR_MAX_DIMS 4
#define TENSOR_NAME_LEN 64

typedef struct {
    float *data;                    // size floats, row-major
    float *grad;                    // NULL, or size floats: dL/d(data)
    int ndim;
    int shape[TENSOR_MAX_DIMS];
    size_t size;                    // product of shape
    char name[TENSOR_NAME_LEN];     // checkpoint name, e.g. "fc1.weight"
} Tensor;

// Allocates zeroed data (and a zeroed grad when with_grad). Shape given as
// ndim ints, e.g. tensor_alloc(&w, "fc1.weight", 1, 2, 128, 784).
void tensor_alloc(Tensor *t, const char *name, int with_grad, int ndim, ...);
void tensor_free(Tensor *t);
void tensor_zero_grad(Tensor *t);
// "(128, 784)" into buf; returns buf. For error messages.
const char *tensor_shape_str(const Tensor *t, char *buf, size_t buf_len);

// A list of borrowed Tensor pointers: a model's parameters, in checkpoint order.
typedef struct {
    Tensor **items;
    int count, capacity;
} TensorList;

void tensorlist_add(TensorList *list, Tensor *t);
void tensorlist_free(TensorList *list);      // frees the list, not the tensors
void tensorlist_zero_grad(TensorList *list);
size_t tensorlist_numel(const TensorList *list);
Tensor *tensorlist_find(const TensorList *list, const char *name);

#endif
