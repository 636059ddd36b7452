#include "chapters/06_seq2seq/schedule.h"

#include <math.h>

float lr_warmup_rsqrt(long step, long warmup, float peak) {
    if (step < 1) step = 1;
    if (warmup < 1) return peak / sqrtf((float)step);   // no warm-up: decay from step 1
    float s = (float)step, w = (float)warmup;
    return peak * fminf(s / w, sqrtf(w / s));
}

float lr_hold_rsqrt(long step, long warmup, float peak) {
    if (step < 1) step = 1;
    return step <= warmup ? peak : peak * sqrtf((float)warmup / (float)step);
}

float lr_warmup_linear(long step, long warmup, long total, float peak) {
    if (step < 1) step = 1;
    if (step >= total) return 0.0f;
    float up = warmup > 0 ? (float)step / (float)warmup : 1.0f;
    float down = total > warmup ? (float)(total - step) / (float)(total - warmup) : 1.0f;
    return peak * fminf(1.0f, fminf(up, down));
}
