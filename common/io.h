// io.h: files. Every write the book makes is atomic: the data goes to a temporary
// file next to the target, which is renamed over it only when complete, so a crash
// or a full disk never leaves a half-written checkpoint or figure behind.
#ifndef COMMON_IO_H
#define COMMON_IO_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *fp;
    char tmp_path[4096];
    char final_path[4096];
} AtomicFile;

// Opens "<path>.tmp.<pid>" for writing; returns 0, or -1 with a message in err. If the
// program exits (die(), a failed check) before commit or abort, the temporary is removed.
int atomic_open(AtomicFile *af, const char *path, char *err, size_t err_len);
// Flushes, closes and renames into place; on any failure removes the temporary
// and returns -1 with a message in err.
int atomic_commit(AtomicFile *af, char *err, size_t err_len);
void atomic_abort(AtomicFile *af);   // closes and removes the temporary

// Reads a whole file into a NUL-terminated malloc'd buffer; NULL on failure
// (errno tells why). *len gets the byte count, without the NUL.
char *read_file(const char *path, size_t *len);

// mkdir -p; returns 0 or -1 (errno set).
int make_dirs(const char *path);

// Joins two path parts with '/' into buf; dies if it does not fit.
const char *path_join(char *buf, size_t buf_len, const char *dir, const char *name);

// name beside dir, in dir's parent: ("build/ch08", "ch07/checkpoint") ->
// "build/ch07/checkpoint"; a dir without '/' has "." as its parent. How a chapter finds
// an earlier chapter's output next to its own --out (build/out/chNN under make run).
const char *path_sibling(char *buf, size_t buf_len, const char *dir, const char *name);

#endif
