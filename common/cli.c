#include "common/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(const char *prog, const Flag *flags, int n, const char *about) {
    printf("%s\n\nusage: %s [flags]\n\n", about, prog);
    for (int i = 0; i < n; i++) {
        char left[64], def[96] = "";
        const Flag *f = &flags[i];
        switch (f->type) {
        case FLAG_INT: snprintf(left, sizeof left, "--%s N", f->name);
            snprintf(def, sizeof def, " (default %d)", *(int *)f->value); break;
        case FLAG_FLOAT: snprintf(left, sizeof left, "--%s X", f->name);
            snprintf(def, sizeof def, " (default %g)", (double)*(float *)f->value); break;
        case FLAG_STRING: snprintf(left, sizeof left, "--%s S", f->name);
            if (*(const char **)f->value) snprintf(def, sizeof def, " (default %s)", *(const char **)f->value);
            break;
        case FLAG_BOOL: snprintf(left, sizeof left, "--%s", f->name); break;
        }
        printf("  %-22s %s%s\n", left, f->help, def);
    }
    printf("  %-22s %s\n", "--help", "print this help and exit");
}

static _Noreturn void bad(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see --help)\n");
    va_end(ap);
    exit(2);
}

void cli_require(int ok, const char *fmt, ...) {
    if (ok) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see --help)\n");
    va_end(ap);
    exit(2);
}

int cli_flag_given(int argc, char **argv, const char *name) {
    const size_t n = strlen(name);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--", 2) && !strncmp(argv[i] + 2, name, n) && (argv[i][2 + n] == 0 || argv[i][2 + n] == '='))
            return 1;
    return 0;
}

void cli_parse(int argc, char **argv, const Flag *flags, int n_flags, const char *about) {
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(argv[0], flags, n_flags, about);
            exit(0);
        }
        if (strncmp(arg, "--", 2) != 0) bad("unexpected argument '%s'; flags start with --", arg);
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const Flag *f = NULL;
        for (int i = 0; i < n_flags; i++)
            if (strlen(flags[i].name) == name_len && strncmp(flags[i].name, name, name_len) == 0) f = &flags[i];
        if (!f) bad("unknown flag '--%.*s'", (int)name_len, name);
        if (f->type == FLAG_BOOL) {
            if (eq) bad("flag --%s takes no value", f->name);
            *(int *)f->value = 1;
            continue;
        }
        const char *val = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : NULL);
        if (!val) bad("flag --%s needs a value", f->name);
        char *end = NULL;
        errno = 0;
        if (f->type == FLAG_INT) {
            long v = strtol(val, &end, 10);
            if (*val == '\0' || *end != '\0' || errno || v < -2147483647L || v > 2147483647L)
                bad("--%s expects an integer, got '%s'", f->name, val);
            *(int *)f->value = (int)v;
        } else if (f->type == FLAG_FLOAT) {
            float v = strtof(val, &end);
            if (*val == '\0' || *end != '\0') bad("--%s expects a number, got '%s'", f->name, val);
            if (isnan(v)) bad("--%s expects a number, got '%s' (not a number)", f->name, val);
            if (errno == ERANGE || !isfinite(v)) bad("--%s: %s is out of the range of a float", f->name, val);
            *(float *)f->value = v;
        } else {
            *(const char **)f->value = val;
        }
    }
}
