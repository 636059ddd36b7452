// progress.h: one line of training progress.
//   step 120/3000 | loss 2.314 | 41.2k img/s | ETA 3m10s
// On a terminal the line redraws itself in place (at most 10 times a second);
// when stderr is a file or pipe (CI logs, `make run`) it prints a plain line at
// every tenth of the run instead, so logs stay readable. Written to stderr so that
// stdout stays the program's results, ending with the RESULT line.
#ifndef COMMON_PROGRESS_H
#define COMMON_PROGRESS_H

typedef struct {
    long total_steps;
    const char *unit;       // what items are: "ex", "img", "tok"
    double start_time, last_draw;
    long next_plain_step;   // next step at which a plain line is due
    long first_step;        // a resumed run starts here: rate and ETA count from it
    double first_items;
    int is_tty;
    int drew;               // a redrawable line is on screen and needs a newline
} Progress;

void progress_start(Progress *p, long total_steps, const char *unit);
// A run resumed from a checkpoint at `step` with `items_done` already processed:
// call after progress_start, so that speed and ETA measure this process only.
void progress_resume_at(Progress *p, long step, double items_done);
// step counts from 1; items_done is the total items processed so far (for items/s).
void progress_update(Progress *p, long step, float loss, double items_done);
void progress_end(Progress *p);   // finishes the line

// "3m10s", "42s", "1h02m" into buf.
void format_duration(double seconds, char *buf, int buf_len);

#endif
