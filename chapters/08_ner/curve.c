// curve.c: see curve.h.
#include "chapters/08_ner/curve.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/io.h"
#include "common/mem.h"

static const char HEADER[] = "step,lr,train_loss,dev_f1,seconds";

int ftcurve_save(const char *path, const FtResult *r, char *err, size_t err_len) {
    AtomicFile af;
    if (atomic_open(&af, path, err, err_len)) return -1;
    fprintf(af.fp, "%s\n", HEADER);
    for (int i = 0; i < r->n_curve; i++) {
        const FtPoint *p = &r->curve[i];
        fprintf(af.fp, "%ld,%g,%.5f,%.2f,%.2f\n", p->step, (double)p->lr, (double)p->train_loss, p->dev_f1, p->seconds);
    }
    return atomic_commit(&af, err, err_len);
}

static int fail(char *err, size_t err_len, FILE *fp, FtResult *r, const char *path, int line, const char *fmt, ...) {
    int n = line > 0 ? snprintf(err, err_len, "%s:%d: ", path, line) : snprintf(err, err_len, "%s: ", path);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < err_len) vsnprintf(err + n, err_len - (size_t)n, fmt, ap);
    va_end(ap);
    if (fp) fclose(fp);
    ftresult_free(r);
    return -1;
}

// the next comma-separated number of *s; 0 when there is one
static int next_number(const char **s, double *v) {
    char *end;
    errno = 0;
    *v = strtod(*s, &end);
    if (end == *s || errno) return -1;
    *s = end;
    if (**s == ',') (*s)++;
    else if (**s != '\0') return -1;
    return 0;
}

int ftcurve_load(const char *path, FtResult *r, char *err, size_t err_len) {
    memset(r, 0, sizeof *r);
    FILE *fp = fopen(path, "r");
    if (!fp) return fail(err, err_len, NULL, r, path, 0, "cannot open: %s", strerror(errno));
    char line[512];
    int no = 0;
    while (fgets(line, sizeof line, fp)) {
        no++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n')
            return fail(err, err_len, fp, r, path, no, "a line longer than %zu characters", sizeof line - 2);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (no == 1) {
            if (strcmp(line, HEADER))
                return fail(err, err_len, fp, r, path, no, "the header is \"%s\", not \"%s\"", line, HEADER);
            continue;
        }
        const char *s = line;
        double v[5];
        for (int k = 0; k < 5; k++)
            if (*s == '\0' || next_number(&s, &v[k]))
                return fail(err, err_len, fp, r, path, no, "not five comma-separated numbers: \"%s\"", line);
        if (*s != '\0') return fail(err, err_len, fp, r, path, no, "more than five fields: \"%s\"", line);
        long step = (long)v[0];
        if ((double)step != v[0] || step < 0 || (r->n_curve && step <= r->curve[r->n_curve - 1].step))
            return fail(err, err_len, fp, r, path, no, "step %g: steps are whole numbers, rising", v[0]);
        if (!(v[3] >= 0 && v[3] <= 100)) return fail(err, err_len, fp, r, path, no, "dev F1 %g is not in [0, 100]", v[3]);
        if (r->n_curve == r->cap_curve)
            r->cap_curve = r->cap_curve ? 2 * r->cap_curve : 32,
            r->curve = xrealloc(r->curve, sizeof(FtPoint) * (size_t)r->cap_curve);
        r->curve[r->n_curve++] = (FtPoint){.step = step, .lr = (float)v[1], .train_loss = (float)v[2], .dev_f1 = v[3],
                                           .seconds = v[4]};
        if (v[3] > r->best_f1 || r->n_curve == 1) r->best_f1 = v[3], r->best_step = step;
    }
    if (ferror(fp)) return fail(err, err_len, fp, r, path, no, "read error");
    fclose(fp);
    if (no == 0) return fail(err, err_len, NULL, r, path, 0, "empty file (a curve starts with \"%s\")", HEADER);
    if (r->n_curve == 0) return fail(err, err_len, NULL, r, path, no, "a header and no rows");
    return 0;
}
