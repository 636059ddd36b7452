// timer.h: wall-clock time and peak memory, for the numbers the READMEs report.
#ifndef COMMON_TIMER_H
#define COMMON_TIMER_H

double now_seconds(void);   // monotonic clock, seconds; differences are durations
long peak_rss_kb(void);     // peak resident memory of this process so far, KiB

#endif
