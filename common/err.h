// err.h: failing loudly and clearly. Every error the book reports says where it
// happened and what to do, in the form `file:line: message`, then exits non-zero.
#ifndef COMMON_ERR_H
#define COMMON_ERR_H

#include <stddef.h>

// Prints "file:line: <formatted message>" to stderr and exits with status 1.
// `file` and `line` name the place the reader should look: a data file and its
// line for loader errors, __FILE__/__LINE__ for internal ones. line 0: no line,
// "file: message"; and a message that starts with file (a loader's err, which names
// its file and line itself) is printed alone.
_Noreturn void die(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

// Shorthand for an internal error at the calling line of code.
#define DIE(...) die(__FILE__, __LINE__, __VA_ARGS__)

// Stops training with a clear message when a value is NaN or Inf, naming what
// went wrong (e.g. "loss at step 120") and the usual cure.
void check_finite(float value, const char *what, long step);

#endif
