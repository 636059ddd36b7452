#define _POSIX_C_SOURCE 200809L
#include "common/timer.h"

#include <sys/resource.h>
#include <time.h>

double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

long peak_rss_kb(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
#ifdef __APPLE__
    return usage.ru_maxrss / 1024;  // macOS reports bytes, Linux KiB
#else
    return usage.ru_maxrss;
#endif
}
