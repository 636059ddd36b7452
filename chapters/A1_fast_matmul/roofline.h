// roofline.h: the two numbers that bound any kernel on one core (Williams, Waterman
// and Patterson, "Roofline", CACM 2009):
//   peak   the most floating-point work per second: FMA units x vector width x clock
//   bw     the most bytes per second memory delivers
// A kernel doing I flops per byte it moves can reach at most min(peak, I * bw).
// Both are measured here, not taken from a data sheet: a virtual machine's clock and
// share of memory bandwidth are whatever the host gives it.
#ifndef A1_ROOFLINE_H
#define A1_ROOFLINE_H

#include <stddef.h>

// Peak single-precision GFLOP/s of the calling thread: 12 or 16 independent chains of
// vector FMAs (enough to cover the FMA latency on every core we know), run for about
// `seconds`. 2 flops per multiply-add per lane.
double roofline_peak_gflops(double seconds);

// Streaming bandwidth in GB/s of the calling thread: the "triad" a[i] = b[i] + s*c[i]
// (McCalpin's STREAM) over three arrays of `floats` floats each, best of `reps`.
// Counts 12 bytes per element (two reads, one write), as STREAM does.
double roofline_bandwidth_gbs(size_t floats, int reps);

#endif
