#define _POSIX_C_SOURCE 200809L
#include "common/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/mem.h"

// Temporary files still open, so that a program stopped by die() (which calls exit)
// does not leave "<file>.tmp.<pid>" behind: exit runs remove_pending(). A fixed table;
// a process with more than PENDING_MAX files open at once just loses the clean-up.
#define PENDING_MAX 16
static char pending[PENDING_MAX][4096];

static void remove_pending(void) {
    for (int i = 0; i < PENDING_MAX; i++)
        if (pending[i][0]) remove(pending[i]), pending[i][0] = '\0';
}

static void track(const char *tmp_path, int add) {
    static int registered = 0;
    if (!registered) registered = atexit(remove_pending) == 0;
    for (int i = 0; i < PENDING_MAX; i++) {
        if (add && !pending[i][0]) {
            snprintf(pending[i], sizeof pending[i], "%s", tmp_path);
            return;
        }
        if (!add && strcmp(pending[i], tmp_path) == 0) {
            pending[i][0] = '\0';
            return;
        }
    }
}

int atomic_open(AtomicFile *af, const char *path, char *err, size_t err_len) {
    memset(af, 0, sizeof(*af));
    if (strlen(path) + 32 >= sizeof(af->tmp_path)) {
        snprintf(err, err_len, "%s: path too long", path);
        return -1;
    }
    snprintf(af->final_path, sizeof af->final_path, "%s", path);
    snprintf(af->tmp_path, sizeof af->tmp_path, "%s.tmp.%ld", path, (long)getpid());
    af->fp = fopen(af->tmp_path, "wb");
    if (!af->fp) {
        snprintf(err, err_len, "%s: cannot create: %s", af->tmp_path, strerror(errno));
        return -1;
    }
    track(af->tmp_path, 1);
    return 0;
}

int atomic_commit(AtomicFile *af, char *err, size_t err_len) {
    track(af->tmp_path, 0);
    int failed = ferror(af->fp);
    if (fflush(af->fp) != 0) failed = 1;
    if (fclose(af->fp) != 0) failed = 1;
    af->fp = NULL;
    if (failed) {
        snprintf(err, err_len, "%s: write failed (disk full?): %s", af->final_path, strerror(errno));
        remove(af->tmp_path);
        return -1;
    }
    if (rename(af->tmp_path, af->final_path) != 0) {
        snprintf(err, err_len, "%s: cannot rename into place: %s", af->final_path, strerror(errno));
        remove(af->tmp_path);
        return -1;
    }
    return 0;
}

void atomic_abort(AtomicFile *af) {
    track(af->tmp_path, 0);
    if (af->fp) fclose(af->fp);
    af->fp = NULL;
    remove(af->tmp_path);
}

char *read_file(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) buf = xrealloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0) break;
    }
    int failed = ferror(fp), saved_errno = errno;  // e.g. EISDIR when path is a directory
    fclose(fp);
    if (failed) {
        free(buf);
        errno = saved_errno ? saved_errno : EIO;
        return NULL;
    }
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int make_dirs(const char *path) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(buf, path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
            *p = saved;
            if (saved == '\0') break;
        }
    }
    return 0;
}

const char *path_join(char *buf, size_t buf_len, const char *dir, const char *name) {
    int n = snprintf(buf, buf_len, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= buf_len) DIE("path too long: %s/%s", dir, name);
    return buf;
}

const char *path_sibling(char *buf, size_t buf_len, const char *dir, const char *name) {
    const char *slash = strrchr(dir, '/');
    if (!slash) return path_join(buf, buf_len, ".", name);
    int n = snprintf(buf, buf_len, "%.*s/%s", (int)(slash - dir), dir, name);
    if (n < 0 || (size_t)n >= buf_len) DIE("path too long: %s/../%s", dir, name);
    return buf;
}
