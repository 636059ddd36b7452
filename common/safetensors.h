// safetensors.h: checkpoints in the Hugging Face safetensors format, so that a model
// trained here opens in PyTorch and a public checkpoint opens here.
//
// File layout (https://huggingface.co/docs/safetensors):
//   8 bytes        N, the header length, unsigned little-endian
//   N bytes        JSON object: {"name": {"dtype": "F32", "shape": [2, 3],
//                  "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}
//                  (may be padded with trailing spaces)
//   rest           the byte buffer; offsets are relative to its start, tensors are
//                  row-major little-endian, and together they cover it exactly.
//
// Reading checks everything a broken or hostile file could get wrong: truncation,
// header length past the end, bad JSON, unknown dtypes, offsets that overlap,
// leave holes or point out of range, and shape/size mismatches. Errors come back
// as "path: what is wrong" in an error buffer; nothing here exits the process.
#ifndef COMMON_SAFETENSORS_H
#define COMMON_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "common/tensor.h"

typedef enum { ST_F32, ST_F16, ST_BF16, ST_F64, ST_I64, ST_I32, ST_I16, ST_I8, ST_U8, ST_BOOL } StDtype;

typedef struct {
    char name[256];
    StDtype dtype;
    int ndim;
    int64_t shape[8];
    uint64_t begin, end;    // byte offsets into the data buffer
} StEntry;

typedef struct {
    char path[1024];
    StEntry *entries;
    int n_entries;
    unsigned char *data;     // the data buffer (whole file read into memory)
    uint64_t data_len;
    char *file_bytes;        // owned
    char *metadata_json;     // raw "__metadata__" object text, or NULL
} StFile;

// Opens and validates; returns 0, or -1 with the reason in err.
int st_open(StFile *f, const char *path, char *err, size_t err_len);
void st_close(StFile *f);
const StEntry *st_find(const StFile *f, const char *name);
const char *st_dtype_name(StDtype d);
size_t st_dtype_size(StDtype d);

// Copies tensor `t->name` into t->data, converting F32/F16/BF16/F64 to float32.
// Fails (-1, reason in err) when the tensor is missing or its shape differs from t's.
int st_read_tensor(const StFile *f, Tensor *t, char *err, size_t err_len);
// The same, reading the file's tensor file_name into t (a checkpoint whose names
// differ from the model's by a prefix, e.g. Hugging Face's BertModel vs BertForMaskedLM).
int st_read_tensor_as(const StFile *f, Tensor *t, const char *file_name, char *err, size_t err_len);

// Writes the tensors as F32, in list order, atomically (temp file + rename).
// metadata: NULL or pairs {"key", "value", ..., NULL}. Returns 0 or -1 with err.
int st_save(const char *path, const TensorList *tensors, const char *const *metadata,
            char *err, size_t err_len);

// Convenience for chapter programs: load every tensor of the list (by name) from
// path, or die with the reason.
void st_load_or_die(const char *path, TensorList *tensors);

#endif
