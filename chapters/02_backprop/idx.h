// idx.h: the IDX file format of MNIST and Fashion-MNIST (LeCun et al. 1998).
//
//   byte 0-1   0x00 0x00
//   byte 2     element type: 0x08 = unsigned byte (the only one these data sets use)
//   byte 3     number of dimensions D (3 for images, 1 for labels)
//   then D     big-endian uint32 sizes, e.g. [60000, 28, 28]
//   then       the elements, row-major, one byte each
//
// So an image file starts with the magic number 0x00000803 and a label file with
// 0x00000801. The loader checks every field against the file's real length and
// reports problems as "path: what is wrong (byte offset, expected vs found)" through
// an error buffer: nothing here exits the process. README section "The IDX format".
#ifndef CH02_IDX_H
#define CH02_IDX_H

#include <stddef.h>

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_N_CLASSES 10

// A labelled image set: what the chapter trains on.
typedef struct {
    int n;            // number of examples
    int rows, cols;   // 28 x 28 for Fashion-MNIST
    int dim;          // rows * cols: the length of one flattened image
    float *images;    // (n, dim), pixel / 255, in [0, 1]
    int *labels;      // (n), each in [0, IDX_N_CLASSES)
} IdxDataset;

// Reads an image file (magic 0x00000803) into *images (malloc'd, (n, rows*cols) floats
// in [0,1]). Returns 0, or -1 with the reason in err.
int idx_read_images(const char *path, float **images, int *n, int *rows, int *cols,
                    char *err, size_t err_len);

// Reads a label file (magic 0x00000801) into *labels (malloc'd, n ints), checking each
// label is in [0, n_classes). Returns 0, or -1 with the reason in err.
int idx_read_labels(const char *path, int **labels, int *n, int n_classes, char *err, size_t err_len);

// Loads DIR/<split>-images-idx3-ubyte and DIR/<split>-labels-idx1-ubyte (split is
// "train" or "t10k", the Fashion-MNIST names) and checks the two counts agree.
// When a plain file is missing but its .gz is there, the message says to run
// `datasets/fetch.sh fashion-mnist`, which unpacks it. Returns 0 or -1 (reason in err).
int idx_load(IdxDataset *ds, const char *dir, const char *split, char *err, size_t err_len);
// Loads both splits of DIR (train, t10k) and checks that their images have the same
// size: a model built for 28x28 training images cannot read 20x20 test images.
// Returns 0, or -1 with the reason in err (and nothing left allocated).
int idx_load_pair(IdxDataset *train, IdxDataset *test, const char *dir, char *err, size_t err_len);
void idx_free(IdxDataset *ds);

// Writes uint8 data as an IDX file (magic 0x00000800 + n_dims), atomically.
// Used by the sample generator and by the tests that write malformed files.
// Returns 0 or -1 (reason in err).
int idx_write_u8(const char *path, const unsigned char *data, const int *dims, int n_dims,
                 char *err, size_t err_len);

// Human-readable class names of Fashion-MNIST, index = label.
extern const char *const idx_fashion_classes[IDX_N_CLASSES];

#endif
