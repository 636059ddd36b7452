// idx.c: reading and writing IDX files (format in idx.h and the README, section
// "The IDX format"). A loader meets files that are gzipped, truncated by a broken
// download, or simply the wrong file; every check below turns one of those into a
// message that says where (the byte offset) and what (expected vs found).
#include "chapters/02_backprop/idx.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/io.h"
#include "common/mem.h"

const char *const idx_fashion_classes[IDX_N_CLASSES] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

static uint32_t read_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void write_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static int file_exists(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (fp) fclose(fp);
    return fp != NULL;
}

// Opens path for reading; on failure explains what to do. The usual cause is a data
// set that was downloaded but not unpacked, so a .gz next to the missing file gets
// its own message.
static FILE *open_or_explain(const char *path, char *err, size_t err_len) {
    FILE *fp = fopen(path, "rb");
    if (fp) return fp;
    int saved = errno;
    char gz[4096];
    snprintf(gz, sizeof gz, "%s.gz", path);
    if (saved == ENOENT && file_exists(gz))
        snprintf(err, err_len,
                 "%s: not found, but %s is there: the loader reads plain IDX files; "
                 "run `datasets/fetch.sh fashion-mnist` (it unpacks them) or `gunzip -k %s`",
                 path, gz, gz);
    else
        snprintf(err, err_len,
                 "%s: cannot open: %s (get the full data with `datasets/fetch.sh fashion-mnist`, "
                 "or leave out --data to use the shipped sample datasets/samples/fashion-mnist)",
                 path, strerror(saved));
    return NULL;
}

// Reads and checks the header of an IDX file whose magic must be 0x0800 | n_dims,
// then reads the body (product of dims bytes) into a malloc'd *body. `kind` names
// one item of the expected content for messages ("image", "label").
static int read_idx_u8(const char *path, int n_dims, const char *kind, uint32_t *dims,
                       unsigned char **body, char *err, size_t err_len) {
    *body = NULL;
    FILE *fp = open_or_explain(path, err, err_len);
    if (!fp) return -1;

    // The file's real length, against which every size in the header is checked.
    long file_len = -1;
    if (fseek(fp, 0, SEEK_END) == 0) file_len = ftell(fp);
    if (file_len < 0 || fseek(fp, 0, SEEK_SET) != 0) {
        snprintf(err, err_len, "%s: cannot determine the file size: %s", path, strerror(errno));
        fclose(fp);
        return -1;
    }
    long header_len = 4 + 4L * n_dims;
    unsigned char head[4 + 4 * 3];
    if (file_len < 4) {
        snprintf(err, err_len,
                 "%s: truncated header: the file has %ld bytes, the magic number alone needs 4",
                 path, file_len);
        fclose(fp);
        return -1;
    }
    if (fread(head, 1, 4, fp) != 4) goto read_error;

    uint32_t expected_magic = 0x0800u | (uint32_t)n_dims, magic = read_be32(head);
    if (head[0] == 0x1f && head[1] == 0x8b) {
        snprintf(err, err_len,
                 "%s: bad magic number at byte 0: found 0x%08X, the start of a gzip file; "
                 "unpack it first (`datasets/fetch.sh fashion-mnist` does)",
                 path, (unsigned)magic);
        goto fail;
    }
    if (head[0] != 0 || head[1] != 0) {
        snprintf(err, err_len,
                 "%s: bad magic number at byte 0: expected 0x%08X (IDX %ss), found 0x%08X; "
                 "not an IDX file",
                 path, (unsigned)expected_magic, kind, (unsigned)magic);
        goto fail;
    }
    if (head[2] != 0x08) {
        snprintf(err, err_len,
                 "%s: element type at byte 2: expected 0x08 (unsigned byte), found 0x%02X",
                 path, (unsigned)head[2]);
        goto fail;
    }
    if (head[3] != n_dims) {
        snprintf(err, err_len,
                 "%s: wrong number of dimensions at byte 3: expected %d (IDX %ss, magic 0x%08X), "
                 "found %d%s",
                 path, n_dims, kind, (unsigned)expected_magic, head[3],
                 head[3] == 1 ? " (is this a label file?)" : head[3] == 3 ? " (is this an image file?)" : "");
        goto fail;
    }
    if (file_len < header_len) {
        snprintf(err, err_len,
                 "%s: truncated header: the file has %ld bytes, a %d-dimensional IDX header needs %ld",
                 path, file_len, n_dims, header_len);
        goto fail;
    }
    if (fread(head + 4, 1, (size_t)(header_len - 4), fp) != (size_t)(header_len - 4)) goto read_error;

    // Sizes: each positive and fitting an int; their product must match the body.
    uint64_t n_bytes = 1;
    for (int d = 0; d < n_dims; d++) {
        dims[d] = read_be32(head + 4 + 4 * d);
        if (dims[d] == 0 || dims[d] > 0x7fffffffu) {
            snprintf(err, err_len, "%s: size of dimension %d at byte %d is %u; expected 1..2147483647",
                     path, d, 4 + 4 * d, (unsigned)dims[d]);
            goto fail;
        }
        if (n_bytes > ((uint64_t)1 << 40) / dims[d]) {   // checked before multiplying: no overflow
            snprintf(err, err_len, "%s: the header sizes at bytes 4..%ld multiply to more than 2^40 bytes",
                     path, header_len - 1);
            goto fail;
        }
        n_bytes *= dims[d];
    }
    uint64_t expected_len = (uint64_t)header_len + n_bytes;
    if ((uint64_t)file_len != expected_len) {
        uint64_t per_item = n_bytes / dims[0];
        if ((uint64_t)file_len < expected_len)
            snprintf(err, err_len,
                     "%s: truncated data: the header says %u %ss of %llu bytes, so the file should "
                     "have %llu bytes, it has %ld (it ends inside %s %llu)",
                     path, (unsigned)dims[0], kind, (unsigned long long)per_item,
                     (unsigned long long)expected_len, file_len, kind,
                     (unsigned long long)(((uint64_t)file_len - (uint64_t)header_len) / per_item));
        else
            snprintf(err, err_len,
                     "%s: size mismatch: the header says %u %ss of %llu bytes, so the file should "
                     "have %llu bytes, it has %ld (%llu extra bytes after byte %llu)",
                     path, (unsigned)dims[0], kind, (unsigned long long)per_item,
                     (unsigned long long)expected_len, file_len,
                     (unsigned long long)((uint64_t)file_len - expected_len),
                     (unsigned long long)expected_len);
        goto fail;
    }
    *body = xmalloc((size_t)n_bytes);
    if (fread(*body, 1, (size_t)n_bytes, fp) != (size_t)n_bytes) goto read_error;
    fclose(fp);
    return 0;

read_error:
    snprintf(err, err_len, "%s: read error: %s", path, ferror(fp) ? strerror(errno) : "unexpected end of file");
fail:
    free(*body);
    *body = NULL;
    fclose(fp);
    return -1;
}

int idx_read_images(const char *path, float **images, int *n, int *rows, int *cols,
                    char *err, size_t err_len) {
    uint32_t dims[3];
    unsigned char *body;
    *images = NULL;
    if (read_idx_u8(path, 3, "image", dims, &body, err, err_len) != 0) return -1;
    *n = (int)dims[0];
    *rows = (int)dims[1];
    *cols = (int)dims[2];
    size_t count = (size_t)dims[0] * dims[1] * dims[2];
    float *x = xmalloc(count * sizeof(float));
    // Pixels 0..255 -> [0,1]: inputs of order 1 keep the first layer's pre-activations
    // of order 1 with the initialisations of README section "Initialisation".
    for (size_t i = 0; i < count; i++) x[i] = (float)body[i] * (1.0f / 255.0f);
    free(body);
    *images = x;
    return 0;
}

int idx_read_labels(const char *path, int **labels, int *n, int n_classes, char *err, size_t err_len) {
    uint32_t dims[1];
    unsigned char *body;
    *labels = NULL;
    if (read_idx_u8(path, 1, "label", dims, &body, err, err_len) != 0) return -1;
    for (uint32_t i = 0; i < dims[0]; i++) {
        if (body[i] >= n_classes) {
            snprintf(err, err_len, "%s: label %d at byte %lu (example %lu) is out of range 0..%d",
                     path, body[i], (unsigned long)(8 + i), (unsigned long)i, n_classes - 1);
            free(body);
            return -1;
        }
    }
    int *y = xmalloc((size_t)dims[0] * sizeof(int));
    for (uint32_t i = 0; i < dims[0]; i++) y[i] = body[i];
    free(body);
    *n = (int)dims[0];
    *labels = y;
    return 0;
}

int idx_load(IdxDataset *ds, const char *dir, const char *split, char *err, size_t err_len) {
    memset(ds, 0, sizeof(*ds));
    char img_path[4096], lab_path[4096], name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", split);
    if (snprintf(img_path, sizeof img_path, "%s/%s", dir, name) >= (int)sizeof img_path) {
        snprintf(err, err_len, "%s: path too long", dir);
        return -1;
    }
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", split);
    snprintf(lab_path, sizeof lab_path, "%s/%s", dir, name);

    int n_img = 0, n_lab = 0;
    if (idx_read_images(img_path, &ds->images, &n_img, &ds->rows, &ds->cols, err, err_len) != 0) return -1;
    if (idx_read_labels(lab_path, &ds->labels, &n_lab, IDX_N_CLASSES, err, err_len) != 0) {
        idx_free(ds);
        return -1;
    }
    if (n_img != n_lab) {
        snprintf(err, err_len, "%s: count mismatch: %d images, but %s has %d labels (byte 4 of each file)",
                 img_path, n_img, lab_path, n_lab);
        idx_free(ds);
        return -1;
    }
    ds->n = n_img;
    ds->dim = ds->rows * ds->cols;
    return 0;
}

int idx_load_pair(IdxDataset *train, IdxDataset *test, const char *dir, char *err, size_t err_len) {
    memset(test, 0, sizeof(*test));
    if (idx_load(train, dir, "train", err, err_len) != 0) return -1;
    if (idx_load(test, dir, "t10k", err, err_len) != 0) {
        idx_free(train);
        return -1;
    }
    if (train->rows != test->rows || train->cols != test->cols) {
        snprintf(err, err_len,
                 "%s: train and test images differ in size: train-images-idx3-ubyte has %dx%d, "
                 "t10k-images-idx3-ubyte has %dx%d (bytes 8-15 of each file)",
                 dir, train->rows, train->cols, test->rows, test->cols);
        idx_free(train);
        idx_free(test);
        return -1;
    }
    return 0;
}

void idx_free(IdxDataset *ds) {
    free(ds->images);
    free(ds->labels);
    memset(ds, 0, sizeof(*ds));
}

int idx_write_u8(const char *path, const unsigned char *data, const int *dims, int n_dims,
                 char *err, size_t err_len) {
    if (n_dims < 1 || n_dims > 255) {
        snprintf(err, err_len, "%s: cannot write %d dimensions", path, n_dims);
        return -1;
    }
    unsigned char word[4] = {0, 0, 0x08, (unsigned char)n_dims};
    AtomicFile af;
    if (atomic_open(&af, path, err, err_len) != 0) return -1;
    fwrite(word, 1, 4, af.fp);
    size_t count = 1;
    for (int d = 0; d < n_dims; d++) {
        write_be32(word, (uint32_t)dims[d]);
        fwrite(word, 1, 4, af.fp);
        count *= (size_t)dims[d];
    }
    fwrite(data, 1, count, af.fp);
    return atomic_commit(&af, err, err_len);
}
