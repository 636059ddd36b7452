#define _POSIX_C_SOURCE 200809L
#include "common/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "common/timer.h"

void format_duration(double seconds, char *buf, int buf_len) {
    if (seconds < 0) seconds = 0;
    long s = (long)(seconds + 0.5);
    if (s < 60) snprintf(buf, (size_t)buf_len, "%lds", s);
    else if (s < 3600) snprintf(buf, (size_t)buf_len, "%ldm%02lds", s / 60, s % 60);
    else snprintf(buf, (size_t)buf_len, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
}

void progress_start(Progress *p, long total_steps, const char *unit) {
    p->total_steps = total_steps > 0 ? total_steps : 1;
    p->unit = unit;
    p->start_time = now_seconds();
    p->last_draw = 0;
    p->next_plain_step = 1;
    p->is_tty = isatty(fileno(stderr));
    p->drew = 0;
    p->first_step = 0;
    p->first_items = 0;
}

void progress_resume_at(Progress *p, long step, double items_done) {
    p->first_step = step;
    p->first_items = items_done;
    p->next_plain_step = step + 1;
}

static void human_rate(double rate, char *buf, int n) {
    if (rate >= 1e6) snprintf(buf, (size_t)n, "%.1fM", rate / 1e6);
    else if (rate >= 1e3) snprintf(buf, (size_t)n, "%.1fk", rate / 1e3);
    else snprintf(buf, (size_t)n, "%.1f", rate);
}

void progress_update(Progress *p, long step, float loss, double items_done) {
    double now = now_seconds();
    int last = step >= p->total_steps;
    if (p->is_tty) {
        if (!last && now - p->last_draw < 0.1) return;
    } else {
        if (!last && step < p->next_plain_step) return;
        p->next_plain_step = step + (p->total_steps + 9) / 10;
    }
    p->last_draw = now;
    double elapsed = now - p->start_time;
    long steps_here = step - p->first_step;
    double rate = elapsed > 0 ? (items_done - p->first_items) / elapsed : 0;
    double eta = steps_here > 0 ? elapsed * (double)(p->total_steps - step) / (double)steps_here : 0;
    char rate_s[32], eta_s[32];
    human_rate(rate, rate_s, sizeof rate_s);
    // the first steps carry one-off costs (page faults, thread start-up, caches):
    // an ETA extrapolated from them alone overshoots, so wait for a few steps
    if (steps_here >= 3 || last) format_duration(eta, eta_s, sizeof eta_s);
    else snprintf(eta_s, sizeof eta_s, "--");
    fprintf(stderr, "%sstep %ld/%ld | loss %.4f | %s %s/s | ETA %s%s",
            p->is_tty ? "\r\033[K" : "", step, p->total_steps, loss, rate_s, p->unit, eta_s,
            p->is_tty ? "" : "\n");
    fflush(stderr);
    p->drew = p->is_tty;
}

void progress_end(Progress *p) {
    if (p->drew) fputc('\n', stderr);
    p->drew = 0;
}
