// tests/tmp_file.h: the small files that loader tests write, in a private directory
// under /tmp made on first use (Criterion runs each test in its own process, so each
// gets its own directory; the names never collide with another test's).
#ifndef TESTS_TMP_FILE_H
#define TESTS_TMP_FILE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The path of `name` in the directory; the same buffer each call.
static inline const char *tmp_path(const char *name) {
    static char dir[] = "/tmp/book_test_XXXXXX", path[4200];
    if (strstr(dir, "XXXXXX")) cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

// Writes content to `name` in the directory and returns its path (tmp_path's buffer).
static inline const char *tmp_write(const char *name, const char *content) {
    const char *path = tmp_path(name);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "cannot write %s", path);
    fputs(content, fp);
    fclose(fp);
    return path;
}

#endif
