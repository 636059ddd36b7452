// tests/test_02_idx.c: the IDX loader on the shipped Fashion-MNIST sample and on
// broken files written on purpose: every problem must come back as an error message
// naming the file, the byte offset and what was expected, never as a crash.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chapters/02_backprop/idx.h"

#define SAMPLE "datasets/samples/fashion-mnist"

// ---- helpers: a fresh temporary directory per test, files written byte by byte ------------

static char tmpdir[256];

static void make_tmpdir(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_02_idx.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp failed");
}

static void remove_tmpdir(void) {
    const char *names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "train-images-idx3-ubyte.gz",
                           "t10k-images-idx3-ubyte", "file"};
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        remove(path);
    }
    rmdir(tmpdir);
}

static const char *tmp_path(const char *name) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static void write_bytes(const char *name, const unsigned char *bytes, size_t n) {
    FILE *fp = fopen(tmp_path(name), "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(bytes, 1, n, fp), n);
    fclose(fp);
}

// A valid image file of n images (rows x cols) with pixel i = i % 256, in buf; returns its size.
static size_t image_file(unsigned char *buf, int n, int rows, int cols) {
    unsigned char head[16] = {0, 0, 8, 3, 0, 0, 0, (unsigned char)n, 0, 0, 0, (unsigned char)rows,
                              0, 0, 0, (unsigned char)cols};
    memcpy(buf, head, 16);
    size_t body = (size_t)n * rows * cols;
    for (size_t i = 0; i < body; i++) buf[16 + i] = (unsigned char)(i % 256);
    return 16 + body;
}

// A valid label file with the given labels; returns its size.
static size_t label_file(unsigned char *buf, const unsigned char *labels, int n) {
    unsigned char head[8] = {0, 0, 8, 1, 0, 0, 0, (unsigned char)n};
    memcpy(buf, head, 8);
    memcpy(buf + 8, labels, (size_t)n);
    return 8 + (size_t)n;
}

#define ASSERT_HAS(msg, part) cr_assert_not_null(strstr(msg, part), "expected \"%s\" in: %s", part, msg)

// ---- the shipped sample ------------------------------------------------------------------

static void check_sample(const char *split, int expected_n) {
    IdxDataset ds;
    char err[1024] = "";
    cr_assert_eq(idx_load(&ds, SAMPLE, split, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds.n, expected_n);
    cr_assert_eq(ds.rows, 28);
    cr_assert_eq(ds.cols, 28);
    cr_assert_eq(ds.dim, 784);
    float lo = 1, hi = 0;
    double sum = 0;
    for (size_t i = 0; i < (size_t)ds.n * ds.dim; i++) {
        lo = ds.images[i] < lo ? ds.images[i] : lo;
        hi = ds.images[i] > hi ? ds.images[i] : hi;
        sum += ds.images[i];
    }
    cr_assert(lo >= 0.0f && hi <= 1.0f, "pixels must be in [0,1], got [%g, %g]", lo, hi);
    cr_assert_float_eq(lo, 0.0f, 1e-9, "the background is black");
    cr_assert_gt(hi, 0.95f, "some pixels are bright");
    double mean = sum / ((double)ds.n * ds.dim);   // silhouettes cover a good part of the frame
    cr_assert(mean > 0.1 && mean < 0.5, "mean pixel %g", mean);
    int count[IDX_N_CLASSES] = {0};
    for (int i = 0; i < ds.n; i++) {
        cr_assert(ds.labels[i] >= 0 && ds.labels[i] < IDX_N_CLASSES);
        count[ds.labels[i]]++;
    }
    for (int k = 0; k < IDX_N_CLASSES; k++)   // the generator balances the classes exactly
        cr_assert_eq(count[k], expected_n / IDX_N_CLASSES, "class %d has %d examples", k, count[k]);
    idx_free(&ds);
}

Test(ch02_idx, sample_train_has_1000_balanced_images) { check_sample("train", 1000); }
Test(ch02_idx, sample_test_has_200_balanced_images) { check_sample("t10k", 200); }

// ---- hand-made valid files -----------------------------------------------------------------

Test(ch02_idx, pixels_are_scaled_to_unit_interval, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char img[16 + 8] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 51, 102, 1, 2, 3, 204};
    write_bytes("file", img, sizeof img);
    float *x;
    int n, rows, cols;
    char err[512];
    cr_assert_eq(idx_read_images(tmp_path("file"), &x, &n, &rows, &cols, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 2);
    cr_assert_eq(rows, 2);
    cr_assert_eq(cols, 2);
    cr_assert_float_eq(x[0], 0.0f, 1e-7);
    cr_assert_float_eq(x[1], 1.0f, 1e-7);
    cr_assert_float_eq(x[2], 0.2f, 1e-7);    // 51/255
    cr_assert_float_eq(x[3], 0.4f, 1e-7);    // 102/255
    cr_assert_float_eq(x[7], 0.8f, 1e-7);    // 204/255
    free(x);
}

Test(ch02_idx, write_then_read_round_trips, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char labels[5] = {9, 0, 3, 3, 7};
    int dims[1] = {5}, *y, n;
    char err[512];
    cr_assert_eq(idx_write_u8(tmp_path("file"), labels, dims, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(idx_read_labels(tmp_path("file"), &y, &n, 10, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 5);
    for (int i = 0; i < 5; i++) cr_assert_eq(y[i], labels[i]);
    free(y);
}

// ---- malformed files: an error with a specific message, no crash ------------------------------

Test(ch02_idx, bad_magic_is_reported_with_offset_and_values, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char buf[16 + 784];
    size_t n = image_file(buf, 1, 28, 28);
    buf[0] = 0x12, buf[1] = 0x34, buf[2] = 0x56, buf[3] = 0x78;
    write_bytes("file", buf, n);
    float *x = (float *)1;
    int cnt, r, c;
    char err[512];
    cr_assert_eq(idx_read_images(tmp_path("file"), &x, &cnt, &r, &c, err, sizeof err), -1);
    cr_assert_null(x);
    ASSERT_HAS(err, tmp_path("file"));
    ASSERT_HAS(err, "bad magic number at byte 0");
    ASSERT_HAS(err, "expected 0x00000803");
    ASSERT_HAS(err, "found 0x12345678");
}

Test(ch02_idx, gzip_file_is_recognised, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char gz[20] = {0x1f, 0x8b, 0x08, 0x08, 1, 2, 3, 4};
    write_bytes("file", gz, sizeof gz);
    float *x;
    int cnt, r, c;
    char err[512];
    cr_assert_eq(idx_read_images(tmp_path("file"), &x, &cnt, &r, &c, err, sizeof err), -1);
    ASSERT_HAS(err, "gzip");
    ASSERT_HAS(err, "datasets/fetch.sh fashion-mnist");
}

Test(ch02_idx, truncated_header_is_reported, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char buf[16 + 784];
    image_file(buf, 1, 28, 28);
    write_bytes("file", buf, 10);   // magic and part of the sizes
    float *x;
    int cnt, r, c;
    char err[512];
    cr_assert_eq(idx_read_images(tmp_path("file"), &x, &cnt, &r, &c, err, sizeof err), -1);
    ASSERT_HAS(err, "truncated header");
    ASSERT_HAS(err, "has 10 bytes");
    ASSERT_HAS(err, "needs 16");

    write_bytes("file", buf, 2);    // not even a magic number
    cr_assert_eq(idx_read_images(tmp_path("file"), &x, &cnt, &r, &c, err, sizeof err), -1);
    ASSERT_HAS(err, "truncated header");
    ASSERT_HAS(err, "has 2 bytes");
}

Test(ch02_idx, truncated_data_says_expected_and_found_sizes, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char buf[16 + 3 * 784];
    size_t n = image_file(buf, 3, 28, 28);   // 16 + 2352 = 2368 bytes
    write_bytes("file", buf, n - 400);       // ends inside image 2 (counting from 0)
    float *x;
    int cnt, r, c;
    char err[512];
    cr_assert_eq(idx_read_images(tmp_path("file"), &x, &cnt, &r, &c, err, sizeof err), -1);
    ASSERT_HAS(err, "truncated data");
    ASSERT_HAS(err, "3 images of 784 bytes");
    ASSERT_HAS(err, "should have 2368 bytes, it has 1968");
    ASSERT_HAS(err, "ends inside image 2");
}

Test(ch02_idx, trailing_bytes_are_a_size_mismatch, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char labels[4] = {1, 2, 3, 4}, buf[8 + 4];
    size_t n = label_file(buf, labels, 3);   // header says 3, we write 4 labels
    buf[n] = 5;
    write_bytes("file", buf, n + 1);
    int *y, cnt;
    char err[512];
    cr_assert_eq(idx_read_labels(tmp_path("file"), &y, &cnt, 10, err, sizeof err), -1);
    ASSERT_HAS(err, "size mismatch");
    ASSERT_HAS(err, "should have 11 bytes, it has 12");
}

Test(ch02_idx, label_out_of_range_names_byte_and_example, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char labels[3] = {1, 10, 2}, buf[8 + 3];
    write_bytes("file", buf, label_file(buf, labels, 3));
    int *y = (int *)1, cnt;
    char err[512];
    cr_assert_eq(idx_read_labels(tmp_path("file"), &y, &cnt, 10, err, sizeof err), -1);
    cr_assert_null(y);
    ASSERT_HAS(err, "label 10 at byte 9 (example 1) is out of range 0..9");
}

Test(ch02_idx, wrong_number_of_dimensions, .init = make_tmpdir, .fini = remove_tmpdir) {
    // A label file where the images should be: magic 0x00000801 instead of 0x00000803.
    unsigned char labels[3] = {1, 2, 3}, buf[8 + 3];
    write_bytes("file", buf, label_file(buf, labels, 3));
    float *x;
    int cnt, r, c;
    char err[512];
    cr_assert_eq(idx_read_images(tmp_path("file"), &x, &cnt, &r, &c, err, sizeof err), -1);
    ASSERT_HAS(err, "wrong number of dimensions at byte 3: expected 3");
    ASSERT_HAS(err, "found 1 (is this a label file?)");
}

Test(ch02_idx, wrong_element_type_and_zero_size, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char buf[16 + 784];
    size_t n = image_file(buf, 1, 28, 28);
    buf[2] = 0x0D;   // float32 elements: not what Fashion-MNIST uses
    write_bytes("file", buf, n);
    float *x;
    int cnt, r, c;
    char err[512];
    cr_assert_eq(idx_read_images(tmp_path("file"), &x, &cnt, &r, &c, err, sizeof err), -1);
    ASSERT_HAS(err, "element type at byte 2: expected 0x08 (unsigned byte), found 0x0D");

    image_file(buf, 1, 28, 28);
    buf[11] = 0;     // rows = 0
    write_bytes("file", buf, 16);
    cr_assert_eq(idx_read_images(tmp_path("file"), &x, &cnt, &r, &c, err, sizeof err), -1);
    ASSERT_HAS(err, "size of dimension 1 at byte 8 is 0");
}

Test(ch02_idx, image_and_label_counts_must_agree, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char img[16 + 3 * 4], lab[8 + 2], labels[2] = {0, 1};
    write_bytes("train-images-idx3-ubyte", img, image_file(img, 3, 2, 2));
    write_bytes("train-labels-idx1-ubyte", lab, label_file(lab, labels, 2));
    IdxDataset ds;
    char err[1024];
    cr_assert_eq(idx_load(&ds, tmpdir, "train", err, sizeof err), -1);
    cr_assert_null(ds.images);   // nothing leaks: the loader freed what it had read
    cr_assert_null(ds.labels);
    ASSERT_HAS(err, "count mismatch: 3 images");
    ASSERT_HAS(err, "has 2 labels");
}

Test(ch02_idx, missing_file_with_gz_says_run_fetch, .init = make_tmpdir, .fini = remove_tmpdir) {
    unsigned char gz[4] = {0x1f, 0x8b, 0, 0};
    write_bytes("train-images-idx3-ubyte.gz", gz, sizeof gz);
    IdxDataset ds;
    char err[1024];
    cr_assert_eq(idx_load(&ds, tmpdir, "train", err, sizeof err), -1);
    ASSERT_HAS(err, "train-images-idx3-ubyte: not found");
    ASSERT_HAS(err, "train-images-idx3-ubyte.gz is there");
    ASSERT_HAS(err, "datasets/fetch.sh fashion-mnist");
}

Test(ch02_idx, missing_file_without_gz, .init = make_tmpdir, .fini = remove_tmpdir) {
    IdxDataset ds;
    char err[1024];
    cr_assert_eq(idx_load(&ds, tmpdir, "t10k", err, sizeof err), -1);
    ASSERT_HAS(err, "t10k-images-idx3-ubyte: cannot open");
    ASSERT_HAS(err, "No such file");
    ASSERT_HAS(err, "datasets/fetch.sh fashion-mnist");
}

// Train images 28x28 but test images 20x20: a model built for the one would read past
// the end of every row of the other, so the pair is refused with both sizes named.
Test(ch02_idx, train_and_test_images_must_have_the_same_size, .init = make_tmpdir, .fini = remove_tmpdir) {
    static unsigned char img_train[16 + 2 * 28 * 28], img_test[16 + 2 * 20 * 20];
    unsigned char lab[8 + 2], labels[2] = {3, 7};
    write_bytes("train-images-idx3-ubyte", img_train, image_file(img_train, 2, 28, 28));
    write_bytes("t10k-images-idx3-ubyte", img_test, image_file(img_test, 2, 20, 20));
    size_t n_lab = label_file(lab, labels, 2);
    write_bytes("train-labels-idx1-ubyte", lab, n_lab);
    write_bytes("t10k-labels-idx1-ubyte", lab, n_lab);
    IdxDataset train, test;
    char err[1024];
    cr_assert_eq(idx_load_pair(&train, &test, tmpdir, err, sizeof err), -1);
    cr_assert_null(train.images);   // both freed
    cr_assert_null(test.images);
    ASSERT_HAS(err, "train and test images differ in size");
    ASSERT_HAS(err, "has 28x28");
    ASSERT_HAS(err, "has 20x20");
    // With test images of the same size, the pair loads.
    write_bytes("t10k-images-idx3-ubyte", img_train, sizeof img_train);
    cr_assert_eq(idx_load_pair(&train, &test, tmpdir, err, sizeof err), 0, "%s", err);
    cr_assert_eq(test.dim, 28 * 28);
    idx_free(&train);
    idx_free(&test);
}
