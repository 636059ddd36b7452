#include "common/err.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void die(const char *file, int line, const char *fmt, ...) {
    fflush(stdout);  // keep whatever the program printed before the error in order
    fprintf(stderr, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void check_finite(float value, const char *what, long step) {
    if (isfinite(value)) return;
    fflush(stdout);
    fprintf(stderr,
            "error: %s is %s at step %ld: training diverged.\n"
            "  Try a smaller learning rate (--lr), scaled inputs, or gradient clipping.\n",
            what, isnan(value) ? "NaN" : "Inf", step);
    exit(1);
}
