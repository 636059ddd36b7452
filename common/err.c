#include "common/err.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void die(const char *file, int line, const char *fmt, ...) {
    fflush(stdout);  // keep whatever the program printed before the error in order
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t n = strlen(file);
    if (line > 0) fprintf(stderr, "%s:%d: %s\n", file, line, msg);
    else if (!strncmp(msg, file, n) && (msg[n] == ':' || msg[n] == ' '))
        fprintf(stderr, "%s\n", msg);   // a loader's message, which names the file (and line) itself
    else fprintf(stderr, "%s: %s\n", file, msg);
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
