// test_common_safetensors.c: checkpoints round-trip bit-exactly, half-precision
// tensors decode to the right floats, and every kind of broken file is refused
// with a message that says what is wrong (never a crash).
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/io.h"
#include "common/safetensors.h"
#include "common/tensor.h"

// ---- a temporary directory per test ------------------------------------------------

static char tmpdir[64];

static void make_tmpdir(void) {
    strcpy(tmpdir, "/tmp/book_st_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp failed");
}

// Removes the files (and empty directories) the test made, then the directory.
static void remove_tmpdir(void) {
    DIR *d = opendir(tmpdir);
    if (!d) return;
    struct dirent *ent;
    char path[512];
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, ent->d_name);
        remove(path);
    }
    closedir(d);
    rmdir(tmpdir);
}

TestSuite(common_safetensors, .init = make_tmpdir, .fini = remove_tmpdir);

static const char *tmp(const char *name) {
    static char path[2][512];
    static int which;
    which ^= 1;   // two live results, for calls like strcmp(tmp("a"), tmp("b"))
    snprintf(path[which], sizeof path[which], "%s/%s", tmpdir, name);
    return path[which];
}

static int count_dir_entries(void) {
    DIR *d = opendir(tmpdir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL)
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static void write_bytes(const char *path, const void *bytes, size_t n) {
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "cannot create %s", path);
    cr_assert_eq(fwrite(bytes, 1, n, fp), n);
    cr_assert_eq(fclose(fp), 0);
}

static void put_le(unsigned char *p, uint64_t v, int n_bytes) {
    for (int i = 0; i < n_bytes; i++) p[i] = (unsigned char)(v >> (8 * i));
}

// A safetensors file by hand: 8-byte little-endian length of json, json, data.
static void write_st_n(const char *path, const char *json, size_t n, const void *data, size_t data_len) {
    unsigned char *buf = malloc(8 + n + data_len + 1);
    put_le(buf, n, 8);
    memcpy(buf + 8, json, n);
    if (data_len) memcpy(buf + 8 + n, data, data_len);
    write_bytes(path, buf, 8 + n + data_len);
    free(buf);
}

static void write_st(const char *path, const char *json, const void *data, size_t data_len) {
    write_st_n(path, json, strlen(json), data, data_len);
}

static const unsigned char zeros[256];

// Writes json + data_len zero bytes, opens it and asserts that st_open refuses it
// with an error that starts with the path and contains `want`.
static void expect_refused(const char *json, size_t data_len, const char *want) {
    const char *path = tmp("bad.safetensors");
    write_st(path, json, zeros, data_len);
    StFile f;
    char err[512] = "";
    int rc = st_open(&f, path, err, sizeof err);
    if (rc == 0) st_close(&f);
    cr_assert_eq(rc, -1, "st_open accepted %s", json);
    cr_assert(strncmp(err, path, strlen(path)) == 0, "error should start with the path: \"%s\"", err);
    cr_assert(strstr(err, want) != NULL, "error \"%s\"\n  should contain \"%s\"", err, want);
}

static int bits_equal(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

// ---- round trip ---------------------------------------------------------------------------

Test(common_safetensors, save_then_load_is_bit_exact) {
    Tensor a, b, c;
    tensor_alloc(&a, "fc1.weight", 0, 2, 2, 3);
    tensor_alloc(&b, "fc1.bias", 0, 1, 4);
    tensor_alloc(&c, "odd \"name\" \\ here", 0, 4, 1, 2, 2, 1);
    // values that a lossy path would change: -0, a subnormal, inf, NaN with payload
    uint32_t nan_bits = 0x7fc01234u;
    float nan_payload;
    memcpy(&nan_payload, &nan_bits, 4);
    float av[6] = {0.1f, -0.0f, 1e-40f, INFINITY, nan_payload, 3.4028235e38f};
    memcpy(a.data, av, sizeof av);
    for (int i = 0; i < 4; i++) b.data[i] = 1.0f + (float)i;
    for (int i = 0; i < 4; i++) c.data[i] = -1.0f / (float)(i + 3);
    TensorList list = {0};
    tensorlist_add(&list, &a);
    tensorlist_add(&list, &b);
    tensorlist_add(&list, &c);
    const char *meta[] = {"format", "pt", "note", "tab\t \"quoted\" back\\slash caf\xc3\xa9", NULL};
    char err[512] = "";
    const char *path = tmp("model.safetensors");
    cr_assert_eq(st_save(path, &list, meta, err, sizeof err), 0, "%s", err);
    cr_assert_eq(count_dir_entries(), 1, "a temporary file was left behind");

    // the file itself: header length a multiple of 8, little-endian floats
    size_t len;
    char *raw = read_file(path, &len);
    cr_assert_not_null(raw);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | (unsigned char)raw[i];
    cr_assert_eq(n % 8, 0, "header length %llu not padded to 8", (unsigned long long)n);
    cr_assert_eq(len, 8 + n + 4 * (6 + 4 + 4));
    const unsigned char one_le[4] = {0x00, 0x00, 0x80, 0x3f};   // 1.0f, b.data[0]
    cr_assert(memcmp(raw + 8 + n + 24, one_le, 4) == 0, "1.0f not stored little-endian");
    free(raw);

    StFile f;
    cr_assert_eq(st_open(&f, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(f.n_entries, 3);
    cr_assert_str_eq(f.entries[0].name, "fc1.weight");   // list order is file order
    cr_assert_str_eq(f.entries[2].name, "odd \"name\" \\ here");
    cr_assert_eq(f.entries[0].dtype, ST_F32);
    cr_assert_eq(f.entries[2].ndim, 4);
    cr_assert_eq(f.entries[1].begin, 24);
    cr_assert_eq(f.entries[1].end, 40);
    cr_assert_not_null(f.metadata_json);
    cr_assert(strstr(f.metadata_json, "\"format\":\"pt\"") != NULL, "%s", f.metadata_json);
    cr_assert(strstr(f.metadata_json, "\\t \\\"quoted\\\" back\\\\slash") != NULL, "%s", f.metadata_json);

    Tensor a2, b2, c2;
    tensor_alloc(&a2, "fc1.weight", 0, 2, 2, 3);
    tensor_alloc(&b2, "fc1.bias", 0, 1, 4);
    tensor_alloc(&c2, "odd \"name\" \\ here", 0, 4, 1, 2, 2, 1);
    cr_assert_eq(st_read_tensor(&f, &a2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(st_read_tensor(&f, &b2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(st_read_tensor(&f, &c2, err, sizeof err), 0, "%s", err);
    cr_assert(bits_equal(a.data, a2.data, 6));
    cr_assert(bits_equal(b.data, b2.data, 4));
    cr_assert(bits_equal(c.data, c2.data, 4));
    st_close(&f);
    Tensor *all[] = {&a, &b, &c, &a2, &b2, &c2};
    for (int i = 0; i < 6; i++) tensor_free(all[i]);
    tensorlist_free(&list);
}

Test(common_safetensors, empty_list_and_no_metadata_round_trip) {
    TensorList list = {0};
    char err[512] = "";
    const char *path = tmp("empty.safetensors");
    cr_assert_eq(st_save(path, &list, NULL, err, sizeof err), 0, "%s", err);
    StFile f;
    cr_assert_eq(st_open(&f, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(f.n_entries, 0);
    cr_assert_null(f.metadata_json);
    cr_assert_eq(f.data_len, 0);
    st_close(&f);
}

Test(common_safetensors, load_or_die_fills_every_tensor) {
    Tensor w, w2;
    tensor_alloc(&w, "w", 0, 2, 3, 2);
    for (int i = 0; i < 6; i++) w.data[i] = (float)i * 0.5f;
    TensorList list = {0};
    tensorlist_add(&list, &w);
    char err[512];
    cr_assert_eq(st_save(tmp("w.safetensors"), &list, NULL, err, sizeof err), 0, "%s", err);
    tensor_alloc(&w2, "w", 0, 2, 3, 2);
    list.items[0] = &w2;
    st_load_or_die(tmp("w.safetensors"), &list);
    cr_assert(bits_equal(w.data, w2.data, 6));
    tensor_free(&w);
    tensor_free(&w2);
    tensorlist_free(&list);
}

// die() ends the process, so the fixture's .fini would not run: these clean up with atexit.
Test(common_safetensors_die, load_or_die_exits_1_on_a_missing_file, .init = cr_redirect_stderr, .exit_code = 1) {
    Tensor w;
    tensor_alloc(&w, "w", 0, 1, 3);
    TensorList list = {0};
    tensorlist_add(&list, &w);
    st_load_or_die("/nonexistent-dir/no-such.safetensors", &list);
    cr_assert_fail("st_load_or_die returned");
}

Test(common_safetensors_die, load_or_die_exits_1_on_a_shape_mismatch, .init = cr_redirect_stderr, .exit_code = 1) {
    make_tmpdir();
    atexit(remove_tmpdir);
    write_st(tmp("w.safetensors"), "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", zeros, 12);
    Tensor w;
    tensor_alloc(&w, "w", 0, 1, 4);
    TensorList list = {0};
    tensorlist_add(&list, &w);
    st_load_or_die(tmp("w.safetensors"), &list);
    cr_assert_fail("st_load_or_die returned");
}

// ---- other dtypes, by hand ----------------------------------------------------------------

Test(common_safetensors, decodes_f16_bf16_f64_by_hand) {
    // Entries out of offset order, and "single" (F32) at an odd offset: the reader
    // must neither need sorted entries nor aligned data.
    const char *json =
        "{\"double\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[38,54]},"
        " \"half\":{\"dtype\":\"F16\",\"shape\":[10],\"data_offsets\":[0,20]},"
        " \"odd\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[20,22]},"
        " \"single\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[22,26]},"
        " \"brain\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[26,38]},"
        " \"__metadata__\":{\"format\":\"pt\"},"
        " \"ints\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[54,62]}}     ";
    unsigned char data[62];
    const uint16_t half[10] = {
        0x3c00,   // 1.0
        0xc100,   // -2.5 = -(1 + 256/1024) * 2^(16-15)
        0x7bff,   // 65504, the largest half
        0x0001,   // smallest subnormal, 2^-24
        0x03ff,   // largest subnormal, 1023 * 2^-24
        0x8000,   // -0
        0x7c00,   // +inf
        0xfc00,   // -inf
        0x7e00,   // NaN
        0x3555,   // 0.333251953125 = (1 + 341/1024) / 4
    };
    for (int i = 0; i < 10; i++) put_le(data + 2 * i, half[i], 2);
    put_le(data + 20, 0x3c00, 2);
    put_le(data + 22, 0x3fc00000u, 4);    // 1.5f
    const uint16_t brain[6] = {0x3f80, 0xc020, 0x4780, 0x0001, 0x7f80, 0xffc0};
    for (int i = 0; i < 6; i++) put_le(data + 26 + 2 * i, brain[i], 2);
    double dv[2] = {0.1, -3.5};
    for (int i = 0; i < 2; i++) {
        uint64_t bits;
        memcpy(&bits, &dv[i], 8);
        put_le(data + 38 + 8 * i, bits, 8);
    }
    put_le(data + 54, 7, 8);
    const char *path = tmp("mixed.safetensors");
    write_st(path, json, data, sizeof data);

    StFile f;
    char err[512] = "";
    cr_assert_eq(st_open(&f, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(f.n_entries, 6);
    cr_assert_str_eq(f.metadata_json, "{\"format\":\"pt\"}");
    cr_assert_eq(st_find(&f, "ints")->ndim, 0);
    cr_assert_eq(st_find(&f, "brain")->dtype, ST_BF16);
    cr_assert_null(st_find(&f, "nope"));

    Tensor h, o, s, b, d, i64;
    tensor_alloc(&h, "half", 0, 1, 10);
    tensor_alloc(&o, "odd", 0, 1, 1);
    tensor_alloc(&s, "single", 0, 1, 1);
    tensor_alloc(&b, "brain", 0, 2, 2, 3);
    tensor_alloc(&d, "double", 0, 1, 2);
    cr_assert_eq(st_read_tensor(&f, &h, err, sizeof err), 0, "%s", err);
    cr_assert_eq(st_read_tensor(&f, &o, err, sizeof err), 0, "%s", err);
    cr_assert_eq(st_read_tensor(&f, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(st_read_tensor(&f, &b, err, sizeof err), 0, "%s", err);
    cr_assert_eq(st_read_tensor(&f, &d, err, sizeof err), 0, "%s", err);
    // every half and bfloat16 value is exactly a float: compare with ==
    cr_assert_eq(h.data[0], 1.0f);
    cr_assert_eq(h.data[1], -2.5f);
    cr_assert_eq(h.data[2], 65504.0f);
    cr_assert_eq(h.data[3], ldexpf(1.0f, -24));
    cr_assert_eq(h.data[4], ldexpf(1023.0f, -24));
    cr_assert(h.data[5] == 0.0f && signbit(h.data[5]), "-0 lost its sign: %g", h.data[5]);
    cr_assert(isinf(h.data[6]) && h.data[6] > 0);
    cr_assert(isinf(h.data[7]) && h.data[7] < 0);
    cr_assert(isnan(h.data[8]));
    cr_assert_eq(h.data[9], 0.333251953125f);
    cr_assert_eq(o.data[0], 1.0f);
    cr_assert_eq(s.data[0], 1.5f);
    cr_assert_eq(b.data[0], 1.0f);
    cr_assert_eq(b.data[1], -2.5f);
    cr_assert_eq(b.data[2], 65536.0f);
    cr_assert_eq(b.data[3], ldexpf(1.0f, -133));   // a float32 subnormal
    cr_assert(isinf(b.data[4]) && b.data[4] > 0);
    cr_assert(isnan(b.data[5]));
    cr_assert_eq(d.data[0], 0.1f);
    cr_assert_eq(d.data[1], -3.5f);

    tensor_alloc(&i64, "ints", 0, 1, 1);
    i64.ndim = 0;   // a scalar, like the file says
    cr_assert_eq(st_read_tensor(&f, &i64, err, sizeof err), -1);
    cr_assert(strstr(err, "tensor 'ints': dtype I64 cannot be read as float32") != NULL, "%s", err);
    st_close(&f);
    Tensor *all[] = {&h, &o, &s, &b, &d, &i64};
    for (int i = 0; i < 6; i++) tensor_free(all[i]);
}

Test(common_safetensors, unicode_escapes_and_zero_sized_tensors) {
    const char *json =
        "{\"caf\\u00e9\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        "\"smile\\ud83d\\ude00\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
        "\"tab\\tand\\/slash\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}";
    write_st(tmp("u.safetensors"), json, zeros, 8);
    StFile f;
    char err[512] = "";
    cr_assert_eq(st_open(&f, tmp("u.safetensors"), err, sizeof err), 0, "%s", err);
    cr_assert_not_null(st_find(&f, "caf\xc3\xa9"));
    cr_assert_not_null(st_find(&f, "smile\xf0\x9f\x98\x80"));
    cr_assert_not_null(st_find(&f, "tab\tand/slash"));
    st_close(&f);
}

// ---- broken files ------------------------------------------------------------------------------

#define ENTRY(name, dtype, shape, b, e) \
    "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

Test(common_safetensors, refuses_a_file_shorter_than_8_bytes) {
    write_bytes(tmp("short.safetensors"), "\x10\x00\x00\x00\x00", 5);
    StFile f;
    char err[512] = "";
    cr_assert_eq(st_open(&f, tmp("short.safetensors"), err, sizeof err), -1);
    cr_assert(strstr(err, "short.safetensors: file is 5 bytes, shorter than the 8-byte header length"), "%s", err);
    write_bytes(tmp("empty.safetensors"), "", 0);
    cr_assert_eq(st_open(&f, tmp("empty.safetensors"), err, sizeof err), -1);
    cr_assert(strstr(err, "file is 0 bytes"), "%s", err);
}

Test(common_safetensors, refuses_a_missing_file) {
    StFile f;
    char err[512] = "";
    cr_assert_eq(st_open(&f, tmp("nope.safetensors"), err, sizeof err), -1);
    cr_assert(strstr(err, "nope.safetensors: cannot read: No such file"), "%s", err);
}

Test(common_safetensors, refuses_a_header_length_past_the_end) {
    unsigned char buf[8 + 20];
    put_le(buf, 100, 8);
    memset(buf + 8, ' ', 20);
    write_bytes(tmp("trunc.safetensors"), buf, sizeof buf);
    StFile f;
    char err[512] = "";
    cr_assert_eq(st_open(&f, tmp("trunc.safetensors"), err, sizeof err), -1);
    cr_assert(strstr(err, "header length 100 runs past the end of the file (28 bytes)"), "%s", err);
    // and a length no real header has (e.g. a text file read as a checkpoint)
    put_le(buf, 0x2020202020202020ull, 8);
    write_bytes(tmp("text.safetensors"), buf, sizeof buf);
    cr_assert_eq(st_open(&f, tmp("text.safetensors"), err, sizeof err), -1);
    cr_assert(strstr(err, "is absurd"), "%s", err);
}

Test(common_safetensors, refuses_bad_json_with_the_byte_offset) {
    // the ':' is missing: the '{' at header position 5 is file byte 8 + 5 = 13
    expect_refused("{\"a\" {\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                   "byte 13 (JSON header): expected ':' after a key, found '{'");
    static const struct { const char *json, *want; } cases[] = {
        {"", "expected '{' at the start of the header, found end of header"},
        {"[1]", "expected '{' at the start"},
        {"{" ENTRY("a", "F32", "[1]", 0, 4), "expected '}' or ',' between tensors, found end of header"},
        {"{" ENTRY("a", "F32", "[1]", 0, 4) ",}", "expected a string (tensor name), found '}'"},
        {"{" ENTRY("a", "F32", "[1]", 0, 4) "} x", "unexpected 'x' after the header object"},
        {"{" ENTRY("a", "F32", "[1.0]", 0, 4) "}", "found a fraction or exponent"},
        {"{" ENTRY("a", "F32", "[1e0]", 0, 4) "}", "found a fraction or exponent"},
        {"{" ENTRY("a", "F32", "[01]", 0, 4) "}", "leading zero"},
        {"{" ENTRY("a", "F32", "[99999999999999999999]", 0, 4) "}", "integer too large"},
        {"{" ENTRY("a", "F32", "[1,]", 0, 4) "}", "expected an integer (shape), found ']'"},
        {"{" ENTRY("a", "F32", "[-]", 0, 4) "}", "expected an integer (shape), found '-'"},
        {"{" ENTRY("a", "F32", "1", 0, 4) "}", "expected '[' to open shape, found '1'"},
        {"{" ENTRY("a", "F32", "[1]", 0, 4.5) "}", "fraction or exponent"},
        {"{" ENTRY("a", "F32", "[1]", 0, -4) "}", "data_offsets must be 2 non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", "data_offsets must be 2"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "data_offsets has more than 2"},
        {"{\"a\":{\"dtype\":true,\"shape\":[1],\"data_offsets\":[0,4]}}", "expected a string (dtype), found 't'"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "tensor 'a': missing \"data_offsets\""},
        {"{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
         "key \"dtype\" appears twice"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", "unknown key \"x\""},
        {"{\"a\":[]}", "expected '{' to open the tensor's entry, found '['"},
        {"{\"a\\q\":{}}", "unknown escape '\\q'"},
        {"{\"a\\u00zz\":{}}", "\\u must be followed by 4 hex digits"},
        {"{\"a\\ud800\":{}}", "high surrogate \\ud800 without a low surrogate"},
        {"{\"a\\udc00\":{}}", "lone low surrogate"},
        {"{\"a\\u0000\":{}}", "\\u0000 is not allowed"},
        {"{\"a\tb\":{}}", "control byte 0x09 inside a string"},
        {"{\"a", "unterminated string"},
        {"{\"__metadata__\":{\"k\":1}}", "expected a string (__metadata__ value), found '1'"},
        {"{\"__metadata__\":{},\"__metadata__\":{}}", "\"__metadata__\" appears twice"},
        {"{\"__metadata__\":{\"k\":\"v\",}}", "expected a string (__metadata__ key), found '}'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) expect_refused(cases[i].json, 4, cases[i].want);

    // a NUL byte in the header: C string functions would stop there, the parser must not
    static const char nul_json[] = "{" ENTRY("a", "F32", "[1]", 0, 4) "}\0   ";
    write_st_n(tmp("nul.safetensors"), nul_json, sizeof nul_json - 1, zeros, 4);
    StFile f;
    char err[512] = "";
    cr_assert_eq(st_open(&f, tmp("nul.safetensors"), err, sizeof err), -1);
    cr_assert(strstr(err, "unexpected byte 0x00 after the header object"), "%s", err);
    // while padding with any JSON whitespace is fine
    write_st(tmp("pad.safetensors"), " {" ENTRY("a", "F32", "[1]", 0, 4) "} \n\t\r  ", zeros, 4);
    cr_assert_eq(st_open(&f, tmp("pad.safetensors"), err, sizeof err), 0, "%s", err);
    st_close(&f);
}

Test(common_safetensors, refuses_an_unknown_dtype) {
    expect_refused("{" ENTRY("w", "F8_E4M3", "[4]", 0, 4) "}", 4, "tensor 'w': unknown dtype 'F8_E4M3'");
}

Test(common_safetensors, refuses_negative_and_too_many_dimensions) {
    expect_refused("{" ENTRY("w", "F32", "[2,-3]", 0, 4) "}", 4, "tensor 'w': shape dimension 1 is negative (-3)");
    expect_refused("{" ENTRY("w", "U8", "[1,1,1,1,1,1,1,1,1]", 0, 1) "}", 1, "shape has more than 8 entries");
}

Test(common_safetensors, refuses_a_shape_that_does_not_match_the_byte_count) {
    expect_refused("{" ENTRY("fc1.weight", "F32", "[5,6]", 0, 100) "}", 100,
                   "bad.safetensors: tensor 'fc1.weight': data_offsets [0, 100] but shape (5, 6) F32 needs 120 bytes");
    expect_refused("{" ENTRY("h", "F16", "[3]", 0, 4) "}", 4, "shape (3) F16 needs 6 bytes");
    // a product of dimensions that overflows 64 bits must not wrap around to "fits"
    expect_refused("{" ENTRY("big", "F32", "[4294967296,4294967296]", 0, 0) "}", 0,
                   "tensor 'big': shape (4294967296, 4294967296) F32 needs more than 2^64 bytes");
}

Test(common_safetensors, refuses_offsets_out_of_range) {
    expect_refused("{" ENTRY("a", "F32", "[1]", 0, 4) "," ENTRY("b", "F32", "[1]", 8, 12) "}", 8,
                   "tensor 'b': data_offsets [8, 12] past the end of the data buffer (8 bytes)");
    expect_refused("{" ENTRY("a", "F32", "[1]", 8, 4) "}", 8, "data_offsets [8, 4] end before they begin");
}

Test(common_safetensors, refuses_overlapping_tensors) {
    expect_refused("{" ENTRY("a", "F32", "[2]", 0, 8) "," ENTRY("b", "F32", "[2]", 4, 12) "}", 12,
                   "tensor 'b' [4, 12] overlaps tensor 'a' [0, 8]");
    // two tensors on the very same bytes
    expect_refused("{" ENTRY("a", "F32", "[1]", 0, 4) "," ENTRY("b", "F32", "[1]", 0, 4) "}", 4, "overlaps");
}

Test(common_safetensors, refuses_holes_in_the_data_buffer) {
    expect_refused("{" ENTRY("a", "F32", "[1]", 0, 4) "," ENTRY("b", "F32", "[1]", 8, 12) "}", 12,
                   "hole in the data buffer: bytes [4, 8) belong to no tensor");
    expect_refused("{" ENTRY("a", "F32", "[1]", 4, 8) "}", 8, "bytes [0, 4) belong to no tensor");
    expect_refused("{" ENTRY("a", "F32", "[1]", 0, 4) "}", 8, "bytes [4, 8) at the end belong to no tensor");
    expect_refused("{}", 4, "no tensors, but 4 bytes of data");
}

Test(common_safetensors, refuses_duplicate_and_overlong_names) {
    expect_refused("{" ENTRY("a", "F32", "[1]", 0, 4) "," ENTRY("a", "F32", "[1]", 4, 8) "}", 8,
                   "duplicate tensor name 'a'");
    char json[1024];
    char name[301];
    memset(name, 'n', 300);
    name[300] = '\0';
    snprintf(json, sizeof json, "{\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", name);
    expect_refused(json, 4, "tensor name longer than 255 bytes");
}

Test(common_safetensors, read_tensor_refuses_a_shape_mismatch_and_a_missing_name) {
    write_st(tmp("w.safetensors"), "{" ENTRY("w", "F32", "[2,3]", 0, 24) "}", zeros, 24);
    StFile f;
    char err[512] = "";
    cr_assert_eq(st_open(&f, tmp("w.safetensors"), err, sizeof err), 0, "%s", err);
    Tensor t;
    tensor_alloc(&t, "w", 0, 2, 3, 2);
    cr_assert_eq(st_read_tensor(&f, &t, err, sizeof err), -1);
    cr_assert(strstr(err, "w.safetensors: tensor 'w' has shape (2, 3) in the file but (3, 2) here"), "%s", err);
    tensor_free(&t);
    tensor_alloc(&t, "w", 0, 1, 6);   // same size, different rank: still refused
    cr_assert_eq(st_read_tensor(&f, &t, err, sizeof err), -1);
    cr_assert(strstr(err, "has shape (2, 3) in the file but (6) here"), "%s", err);
    tensor_free(&t);
    tensor_alloc(&t, "v", 0, 2, 2, 3);
    cr_assert_eq(st_read_tensor(&f, &t, err, sizeof err), -1);
    cr_assert(strstr(err, "w.safetensors: no tensor named 'v' in the file"), "%s", err);
    tensor_free(&t);
    st_close(&f);
}

// Every truncation of a good file is refused, and no single corrupted header byte
// crashes the reader (run under SANITIZE=1 to make "no crash" mean no bad access).
Test(common_safetensors, truncated_or_corrupted_files_never_crash) {
    Tensor a, b;
    tensor_alloc(&a, "a", 0, 2, 2, 3);
    tensor_alloc(&b, "b", 0, 1, 5);
    TensorList list = {0};
    tensorlist_add(&list, &a);
    tensorlist_add(&list, &b);
    const char *meta[] = {"k", "v", NULL};
    char err[512];
    const char *good = tmp("good.safetensors"), *bad = tmp("bad.safetensors");
    cr_assert_eq(st_save(good, &list, meta, err, sizeof err), 0, "%s", err);
    size_t len;
    char *bytes = read_file(good, &len);
    cr_assert_not_null(bytes);
    StFile f;
    for (size_t cut = 0; cut < len; cut++) {
        write_bytes(bad, bytes, cut);
        int rc = st_open(&f, bad, err, sizeof err);
        cr_assert_eq(rc, -1, "a file cut to %zu of %zu bytes was accepted", cut, len);
    }
    size_t header_end = 8 + (size_t)(unsigned char)bytes[0] + 256 * (size_t)(unsigned char)bytes[1];
    int accepted = 0;
    for (size_t i = 0; i < header_end; i++)
        for (int v = 0; v < 3; v++) {
            const unsigned char values[3] = {0x00, '9', '"'};
            char saved = bytes[i];
            bytes[i] = (char)values[v];
            write_bytes(bad, bytes, len);
            if (st_open(&f, bad, err, sizeof err) == 0) {
                accepted++;
                st_close(&f);
            }
            bytes[i] = saved;
        }
    cr_assert_lt(accepted, (int)header_end, "most corruptions should be refused");
    free(bytes);
    tensor_free(&a);
    tensor_free(&b);
    tensorlist_free(&list);
}

// ---- failed saves ---------------------------------------------------------------------------------

static void write_old_checkpoint(const char *path) { write_bytes(path, "old contents", 12); }

static void assert_old_checkpoint(const char *path) {
    size_t len;
    char *s = read_file(path, &len);
    cr_assert_not_null(s);
    cr_assert_str_eq(s, "old contents", "the existing file was clobbered");
    free(s);
}

Test(common_safetensors, refused_save_leaves_the_old_file_alone) {
    const char *path = tmp("model.safetensors");
    write_old_checkpoint(path);
    Tensor a, b;
    tensor_alloc(&a, "w", 0, 1, 2);
    tensor_alloc(&b, "w", 0, 1, 3);
    TensorList list = {0};
    tensorlist_add(&list, &a);
    tensorlist_add(&list, &b);
    char err[512] = "";
    cr_assert_eq(st_save(path, &list, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "model.safetensors: duplicate tensor name 'w'"), "%s", err);
    const char *odd_meta[] = {"key", NULL};
    list.count = 1;
    cr_assert_eq(st_save(path, &list, odd_meta, err, sizeof err), -1);
    cr_assert(strstr(err, "metadata key 'key' has no value"), "%s", err);
    assert_old_checkpoint(path);
    cr_assert_eq(count_dir_entries(), 1, "a temporary file was left behind");
    tensor_free(&a);
    tensor_free(&b);
    tensorlist_free(&list);
}

// A write that fails halfway (here: a file size limit, as a full disk would) must
// leave the previous checkpoint intact and no temporary file behind.
Test(common_safetensors, failed_write_leaves_the_old_file_and_no_temp) {
    const char *path = tmp("model.safetensors");
    write_old_checkpoint(path);
    Tensor big;
    tensor_alloc(&big, "big", 0, 1, 100000);   // 400 kB, far over the limit below
    TensorList list = {0};
    tensorlist_add(&list, &big);

    struct rlimit saved, limited;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
    limited = saved;
    limited.rlim_cur = 4096;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);   // get EFBIG instead of a signal
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &limited), 0);
    char err[512] = "";
    int rc = st_save(path, &list, NULL, err, sizeof err);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, old_handler);

    cr_assert_eq(rc, -1, "the save should have failed");
    cr_assert(strstr(err, "model.safetensors") && strstr(err, "write failed"), "%s", err);
    assert_old_checkpoint(path);
    cr_assert_eq(count_dir_entries(), 1, "a temporary file was left behind");
    tensor_free(&big);
    tensorlist_free(&list);
}

Test(common_safetensors, save_onto_a_directory_fails_and_cleans_up) {
    const char *path = tmp("dir");
    cr_assert_eq(mkdir(path, 0777), 0);
    Tensor w;
    tensor_alloc(&w, "w", 0, 1, 2);
    TensorList list = {0};
    tensorlist_add(&list, &w);
    char err[512] = "";
    cr_assert_eq(st_save(path, &list, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "cannot rename into place"), "%s", err);
    cr_assert_eq(count_dir_entries(), 1, "a temporary file was left behind");
    tensor_free(&w);
    tensorlist_free(&list);
}
