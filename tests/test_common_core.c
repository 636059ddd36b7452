// test_common_core.c: the small shared core every chapter stands on: the RNG, the
// gradient checker, tensors, the flag parser, die() and file helpers (matmul has
// test_common_matmul.c).
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/err.h"
#include "common/gradcheck.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/rng.h"
#include "common/tensor.h"

// ---- rng ----------------------------------------------------------------------------------

Test(common_rng, same_seed_same_numbers_different_seed_different_numbers) {
    Rng a, b, c;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    rng_seed(&c, 43);
    int equal_to_other_seed = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = rng_u32(&a), y = rng_u32(&b), z = rng_u32(&c);
        cr_assert_eq(x, y, "draw %d differs for the same seed", i);
        equal_to_other_seed += x == z;
    }
    cr_assert_lt(equal_to_other_seed, 3, "seeds 42 and 43 agree on %d of 1000 draws", equal_to_other_seed);
    // the normal stream (with its cached spare) is reproducible too
    rng_seed(&a, 7);
    rng_seed(&b, 7);
    for (int i = 0; i < 101; i++) cr_assert_eq(rng_normal(&a), rng_normal(&b));
}

Test(common_rng, uniform_stays_in_the_unit_interval) {
    Rng r;
    rng_seed(&r, 1);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        float u = rng_uniform(&r);
        cr_assert(u >= 0.0f && u < 1.0f, "draw %d = %g", i, u);
        sum += u;
    }
    cr_assert_float_eq(sum / 100000, 0.5, 0.005);   // std error 0.29/sqrt(1e5) = 0.0009
    for (int i = 0; i < 1000; i++) {
        float v = rng_uniform_range(&r, -2.0f, 3.0f);
        cr_assert(v >= -2.0f && v < 3.0f);
    }
}

Test(common_rng, normal_has_mean_0_and_std_1) {
    Rng r;
    rng_seed(&r, 2024);
    const int n = 100000;
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < n; i++) {
        double x = rng_normal(&r);
        cr_assert(isfinite(x));
        sum += x;
        sum_sq += x * x;
    }
    double mean = sum / n, std = sqrt(sum_sq / n - mean * mean);
    // standard errors: 1/sqrt(n) = 0.0032 for the mean, 1/sqrt(2n) = 0.0022 for the
    // std; the bounds are ~5 of those
    cr_assert_lt(fabs(mean), 0.015, "mean %g", mean);
    cr_assert_lt(fabs(std - 1.0), 0.012, "std %g", std);
}

Test(common_rng, int_stays_in_range_and_is_not_grossly_biased) {
    Rng r;
    rng_seed(&r, 3);
    int counts[10] = {0};
    for (int i = 0; i < 100000; i++) {
        int k = rng_int(&r, 10);
        cr_assert(k >= 0 && k < 10, "rng_int(10) gave %d", k);
        counts[k]++;
    }
    for (int k = 0; k < 10; k++)   // expected 10000 each, std ~95
        cr_assert(abs(counts[k] - 10000) < 500, "value %d drawn %d times of 100000", k, counts[k]);
    cr_assert_eq(rng_int(&r, 1), 0);
    // n = 1.5e9 does not divide 2^32: a plain `u32 % n` makes values below
    // 2^32 - 2n = 1.29e9 half again as likely, so 52.4% of draws would land below
    // n/2 instead of 50%. Rejection sampling must remove that.
    const int n = 1500000000;
    int below_half = 0;
    for (int i = 0; i < 100000; i++) below_half += rng_int(&r, n) < n / 2;
    cr_assert_lt(fabs(below_half / 100000.0 - 0.5), 0.008, "%d of 100000 below n/2", below_half);
}

Test(common_rng, int_refuses_a_non_positive_range, .init = cr_redirect_stderr, .exit_code = 1) {
    Rng r;
    rng_seed(&r, 0);
    rng_int(&r, 0);
}

Test(common_rng, shuffle_is_a_permutation) {
    Rng r;
    rng_seed(&r, 5);
    int items[100], seen[100] = {0}, moved = 0;
    for (int i = 0; i < 100; i++) items[i] = i;
    rng_shuffle(&r, items, 100);
    for (int i = 0; i < 100; i++) {
        cr_assert(items[i] >= 0 && items[i] < 100);
        seen[items[i]]++;
        moved += items[i] != i;
    }
    for (int i = 0; i < 100; i++) cr_assert_eq(seen[i], 1, "%d appears %d times", i, seen[i]);
    cr_assert_gt(moved, 90, "only %d of 100 items moved", moved);
    int one = 7;
    rng_shuffle(&r, &one, 1);   // n = 1 and n = 0 are no-ops
    rng_shuffle(&r, NULL, 0);
    cr_assert_eq(one, 7);
}

// ---- gradcheck ------------------------------------------------------------------------------

// f(w) = sum_i w_i^3, so df/dw_i = 3 w_i^2.
typedef struct {
    const float *w;
    size_t n;
} CubeCtx;

static double cube_loss(void *ctx) {
    const CubeCtx *c = ctx;
    double s = 0;
    for (size_t i = 0; i < c->n; i++) s += (double)c->w[i] * c->w[i] * c->w[i];
    return s;
}

Test(common_gradcheck, accepts_a_correct_gradient_and_catches_a_wrong_one) {
    Rng r;
    rng_seed(&r, 9);
    enum { N = 20 };
    float w[N], right[N], wrong[N];
    for (int i = 0; i < N; i++) {
        // |w| in [0.5, 1.5]: away from 0, where 3w^2 vanishes
        w[i] = (rng_uniform(&r) < 0.5f ? -1.0f : 1.0f) * rng_uniform_range(&r, 0.5f, 1.5f);
        right[i] = 3.0f * w[i] * w[i];
        wrong[i] = w[i] * w[i];    // forgot the factor 3: relative error 2/3
    }
    CubeCtx ctx = {w, N};
    double ok = gradcheck(cube_loss, &ctx, w, right, N);
    double bad = gradcheck(cube_loss, &ctx, w, wrong, N);
    // the central difference of a cubic is exact up to h^2 = 1e-4: rel err <= 1e-4 / 0.75
    cr_assert_lt(ok, 1e-3, "correct gradient: max relative error %g", ok);
    cr_assert_gt(bad, 0.5, "wrong gradient: max relative error only %g", bad);
    GradcheckResult res = gradcheck_full(cube_loss, &ctx, w, wrong, N, 1e-2f, 1e-2);
    cr_assert_float_eq(res.worst_numeric, 3.0 * w[res.worst_index] * w[res.worst_index], 1e-3);
    for (int i = 0; i < N; i++) cr_assert_eq(w[i] * w[i], wrong[i], "gradcheck did not restore w[%d]", i);
}

Test(common_gradcheck, weighted_sum_is_a_dot_product) {
    float out[3] = {1, 2, 3}, r[3] = {0.5f, -1, 2};
    cr_assert_float_eq(weighted_sum(out, r, 3), 4.5, 1e-12);
}

// ---- tensor -----------------------------------------------------------------------------------

Test(common_tensor, alloc_sets_shape_size_name_and_zeroes) {
    Tensor t;
    tensor_alloc(&t, "fc1.weight", 1, 2, 128, 784);
    cr_assert_eq(t.ndim, 2);
    cr_assert_eq(t.shape[0], 128);
    cr_assert_eq(t.shape[1], 784);
    cr_assert_eq(t.size, 128 * 784);
    cr_assert_str_eq(t.name, "fc1.weight");
    cr_assert_not_null(t.grad);
    for (size_t i = 0; i < t.size; i++) cr_assert(t.data[i] == 0.0f && t.grad[i] == 0.0f);
    char buf[64];
    cr_assert_str_eq(tensor_shape_str(&t, buf, sizeof buf), "(128, 784)");
    t.grad[5] = 2.0f;
    tensor_zero_grad(&t);
    cr_assert_eq(t.grad[5], 0.0f);
    tensor_free(&t);
    cr_assert_null(t.data);

    Tensor u, v;
    tensor_alloc(&u, "u", 0, 4, 2, 3, 4, 5);
    cr_assert_null(u.grad);
    cr_assert_eq(u.size, 120);
    tensor_alloc(&v, "v", 0, 1, 7);
    TensorList list = {0};
    tensorlist_add(&list, &u);
    tensorlist_add(&list, &v);
    cr_assert_eq(tensorlist_numel(&list), 127);
    cr_assert_eq(tensorlist_find(&list, "v"), &v);
    cr_assert_null(tensorlist_find(&list, "w"));
    tensorlist_free(&list);
    tensor_free(&u);
    tensor_free(&v);
}

Test(common_tensor, alloc_refuses_a_zero_dimension, .init = cr_redirect_stderr, .exit_code = 1) {
    Tensor t;
    tensor_alloc(&t, "bad", 0, 2, 3, 0);
}

// ---- cli ----------------------------------------------------------------------------------------

typedef struct {
    int epochs, quick, verbose;
    float lr;
    const char *data, *out;
} Opts;

static void parse(Opts *o, int argc, char **argv) {
    Flag flags[] = {
        {"epochs", FLAG_INT, &o->epochs, "passes"},
        {"lr", FLAG_FLOAT, &o->lr, "learning rate"},
        {"data", FLAG_STRING, &o->data, "data directory"},
        {"out", FLAG_STRING, &o->out, "output directory"},
        {"quick", FLAG_BOOL, &o->quick, "quick mode"},
        {"verbose", FLAG_BOOL, &o->verbose, "talk more"},
    };
    cli_parse(argc, argv, flags, 6, "test program");
}

Test(common_cli, parses_ints_floats_strings_bools_and_equals_form) {
    Opts o = {10, 0, 0, 0.1f, NULL, "default"};
    char *argv[] = {"prog", "--epochs", "-3", "--lr=2.5e-3", "--data", "some/dir", "--quick", "--out=x=y", NULL};
    parse(&o, 8, argv);
    cr_assert_eq(o.epochs, -3);
    cr_assert_float_eq(o.lr, 2.5e-3f, 1e-9);
    cr_assert_str_eq(o.data, "some/dir");
    cr_assert_str_eq(o.out, "x=y");   // only the first '=' splits
    cr_assert_eq(o.quick, 1);
    cr_assert_eq(o.verbose, 0, "an absent bool stays at its default");

    Opts d = {10, 0, 0, 0.1f, NULL, "default"};
    char *none[] = {"prog", NULL};
    parse(&d, 1, none);
    cr_assert(d.epochs == 10 && d.lr == 0.1f && d.data == NULL && strcmp(d.out, "default") == 0);
}

Test(common_cli, unknown_flag_exits_2, .init = cr_redirect_stderr, .exit_code = 2) {
    Opts o = {0};
    char *argv[] = {"prog", "--epochz", "3", NULL};
    parse(&o, 3, argv);
}

Test(common_cli, bad_integer_exits_2, .init = cr_redirect_stderr, .exit_code = 2) {
    Opts o = {0};
    char *argv[] = {"prog", "--epochs", "3x", NULL};
    parse(&o, 3, argv);
}

Test(common_cli, integer_overflow_exits_2, .init = cr_redirect_stderr, .exit_code = 2) {
    Opts o = {0};
    char *argv[] = {"prog", "--epochs=99999999999", NULL};
    parse(&o, 2, argv);
}

Test(common_cli, bad_float_exits_2, .init = cr_redirect_stderr, .exit_code = 2) {
    Opts o = {0};
    char *argv[] = {"prog", "--lr", "fast", NULL};
    parse(&o, 3, argv);
}

Test(common_cli, nan_and_out_of_range_floats_exit_2, .init = cr_redirect_stderr, .exit_code = 2) {
    Opts o = {0};
    char *argv[] = {"prog", "--lr", "nan", NULL};
    parse(&o, 3, argv);
}

Test(common_cli, float_overflow_exits_2, .init = cr_redirect_stderr, .exit_code = 2) {
    Opts o = {0};
    char *argv[] = {"prog", "--lr=1e40", NULL};
    parse(&o, 2, argv);
}

Test(common_cli, missing_value_exits_2, .init = cr_redirect_stderr, .exit_code = 2) {
    Opts o = {0};
    char *argv[] = {"prog", "--data", NULL};
    parse(&o, 2, argv);
}

Test(common_cli, bool_with_a_value_exits_2, .init = cr_redirect_stderr, .exit_code = 2) {
    Opts o = {0};
    char *argv[] = {"prog", "--quick=1", NULL};
    parse(&o, 2, argv);
}

Test(common_cli, bare_argument_exits_2, .init = cr_redirect_stderr, .exit_code = 2) {
    Opts o = {0};
    char *argv[] = {"prog", "epochs", NULL};
    parse(&o, 2, argv);
}

Test(common_cli, require_exits_2_when_false, .init = cr_redirect_stderr, .exit_code = 2) {
    cli_require(1, "never printed");
    cli_require(0, "--lr must be positive");
}

Test(common_cli, help_exits_0, .init = cr_redirect_stdout, .exit_code = 0) {
    Opts o = {0};
    char *argv[] = {"prog", "--help", NULL};
    parse(&o, 2, argv);
    cr_assert_fail("--help returned");
}

// ---- err --------------------------------------------------------------------------------------

Test(common_err, die_exits_1, .init = cr_redirect_stderr, .exit_code = 1) {
    die("data.csv", 12, "expected %d columns, found %d", 4, 3);
}

Test(common_err, check_finite_passes_numbers_and_stops_on_nan, .init = cr_redirect_stderr, .exit_code = 1) {
    check_finite(1.0f, "loss", 1);
    check_finite(-1e30f, "loss", 2);
    check_finite(NAN, "loss", 3);
}

// ---- io ----------------------------------------------------------------------------------------

static char io_dir[64];

static void io_setup(void) {
    strcpy(io_dir, "/tmp/book_io_XXXXXX");
    cr_assert_not_null(mkdtemp(io_dir));
}

static void io_teardown(void) {
    char p[256];
    const char *files[] = {"out.txt", "a/b/c", "a/b", "a"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", io_dir, files[i]);
        remove(p);
    }
    rmdir(io_dir);
}

TestSuite(common_io, .init = io_setup, .fini = io_teardown);

Test(common_io, atomic_write_then_read_file) {
    char path[256], err[256] = "";
    path_join(path, sizeof path, io_dir, "out.txt");
    AtomicFile af;
    cr_assert_eq(atomic_open(&af, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(access(path, F_OK), -1, "the target exists before commit");
    fprintf(af.fp, "hello %d\n", 42);
    cr_assert_eq(atomic_commit(&af, err, sizeof err), 0, "%s", err);
    cr_assert_eq(access(af.tmp_path, F_OK), -1, "the temporary is still there");
    size_t len = 0;
    char *s = read_file(path, &len);
    cr_assert_not_null(s);
    cr_assert_eq(len, 9);
    cr_assert_str_eq(s, "hello 42\n");
    free(s);

    // an aborted write leaves the committed file as it was
    cr_assert_eq(atomic_open(&af, path, err, sizeof err), 0, "%s", err);
    fprintf(af.fp, "half a new vers");
    atomic_abort(&af);
    cr_assert_eq(access(af.tmp_path, F_OK), -1);
    s = read_file(path, &len);
    cr_assert_str_eq(s, "hello 42\n");
    free(s);
}

Test(common_io, a_program_that_dies_mid_write_leaves_no_temporary) {
    // The child opens an atomic file and dies before committing, as a chapter does when
    // training diverges after opening metrics.csv; die() exits, and exit must clean up.
    char path[256], tmp[512];
    path_join(path, sizeof path, io_dir, "metrics.csv");
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork failed");
    if (pid == 0) {
        char err[256];
        AtomicFile af;
        if (atomic_open(&af, path, err, sizeof err) != 0) _exit(3);
        fprintf(af.fp, "half a table");
        freopen("/dev/null", "w", stderr);   // die() prints the reason; not needed here
        DIE("training diverged");
    }
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "the child should have died with status 1");
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)pid);
    cr_assert_eq(access(tmp, F_OK), -1, "%s was left behind", tmp);
    cr_assert_eq(access(path, F_OK), -1, "the unfinished file must not appear either");
}

Test(common_io, read_file_of_a_missing_file_is_null_with_errno) {
    char path[256];
    path_join(path, sizeof path, io_dir, "missing.txt");
    errno = 0;
    cr_assert_null(read_file(path, NULL));
    cr_assert_eq(errno, ENOENT);
}

Test(common_io, make_dirs_creates_nested_directories) {
    char path[256];
    path_join(path, sizeof path, io_dir, "a/b/c");
    cr_assert_eq(make_dirs(path), 0, "make_dirs: %s", strerror(errno));
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(make_dirs(path), 0, "an existing directory is not an error");
    // a file where a directory should be is an error
    char file[256], under[256];
    path_join(file, sizeof file, io_dir, "out.txt");
    FILE *fp = fopen(file, "w");
    cr_assert_not_null(fp);
    fclose(fp);
    path_join(under, sizeof under, file, "sub");
    cr_assert_eq(make_dirs(under), -1);
}

Test(common_io_paths, path_join_joins_and_dies_when_too_long, .init = cr_redirect_stderr, .exit_code = 1) {
    char buf[16];
    cr_assert_str_eq(path_join(buf, sizeof buf, "dir", "file.txt"), "dir/file.txt");
    path_join(buf, sizeof buf, "a-long-directory", "file.txt");
}

Test(common_tensor, name_too_long_for_a_checkpoint_is_refused, .exit_code = 1) {
    cr_redirect_stderr();
    char name[TENSOR_NAME_LEN + 8];
    memset(name, 'w', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    Tensor t;
    tensor_alloc(&t, name, 0, 1, 3);
}

Test(common_io, path_sibling_is_next_to_the_directory) {
    char buf[64];
    cr_assert_str_eq(path_sibling(buf, sizeof buf, "build/ch08", "ch07/checkpoint"), "build/ch07/checkpoint");
    cr_assert_str_eq(path_sibling(buf, sizeof buf, "build/out/ch09", "ch07/x"), "build/out/ch07/x");
    cr_assert_str_eq(path_sibling(buf, sizeof buf, "ch08", "ch07"), "./ch07");
    cr_assert_str_eq(path_sibling(buf, sizeof buf, "/ch08", "ch07"), "/ch07");
}

Test(common_cli, a_flag_is_found_before_parsing) {
    char *argv[] = {"prog", "--steps", "50", "--quick", "--out=x", "quickly", NULL};
    cr_assert(cli_flag_given(6, argv, "quick"));
    cr_assert(cli_flag_given(6, argv, "out"));
    cr_assert(!cli_flag_given(6, argv, "qui"), "a prefix is not the flag");
    cr_assert(!cli_flag_given(6, argv, "quickly"), "a value is not a flag");
    cr_assert(!cli_flag_given(6, argv, "data"));
}
