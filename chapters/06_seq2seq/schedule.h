// schedule.h: the learning rate of the original Transformer (Vaswani et al. 2017,
// eq. 3): a linear warm-up, then decay as 1/sqrt(step),
//   lr(s) = peak * min(s / warmup, sqrt(warmup / s)),   s = 1, 2, ...              (6.10)
// which reaches `peak` at s = warmup. Adam's first steps are about lr in size for every
// weight, whatever the gradient, and chapter 05 showed what large early steps do to a
// deep post-LN stack; the pre-LN model of this chapter trains as well without the ramp
// (exercise 06.5), the ramp is a cheap insurance.
#ifndef CH06_SCHEDULE_H
#define CH06_SCHEDULE_H

float lr_warmup_rsqrt(long step, long warmup, float peak);

// The same decay without the ramp: the peak from step 1, held until `warmup`, then
// peak * sqrt(warmup / s). Compared with (6.10) it isolates what the ramp does.
float lr_hold_rsqrt(long step, long warmup, float peak);

// BERT's schedule (Devlin et al. 2019, appendix A.2): a linear warm-up to `peak` over
// `warmup` steps, then a linear decay to 0 at step `total`:
//   lr(s) = peak * min(s / warmup, (total - s) / (total - warmup))                   (6.10')
// Chapter 07 pre-trains with it and chapter 08 fine-tunes with it.
float lr_warmup_linear(long step, long warmup, long total, float peak);

#endif
