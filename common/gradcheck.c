#include "common/gradcheck.h"

#include <math.h>

GradcheckResult gradcheck_full(GradcheckLossFn loss_fn, void *ctx, float *param,
                               const float *analytic_grad, size_t n, float h, double floor) {
    GradcheckResult r = {0};
    for (size_t i = 0; i < n; i++) {
        float saved = param[i];
        param[i] = saved + h;
        double plus = loss_fn(ctx);
        param[i] = saved - h;
        double minus = loss_fn(ctx);
        param[i] = saved;
        // divide by the step actually taken: saved+h is rounded to float
        double step = (double)(saved + h) - (double)(saved - h);
        double numeric = (plus - minus) / step;
        double analytic = analytic_grad[i];
        double abs_err = fabs(analytic - numeric);
        double scale = fmax(fmax(fabs(analytic), fabs(numeric)), floor);
        double rel_err = abs_err / scale;
        if (abs_err > r.max_abs_err) r.max_abs_err = abs_err;
        if (i == 0 || rel_err > r.max_rel_err) {
            r.max_rel_err = rel_err;
            r.worst_index = i;
            r.worst_analytic = analytic;
            r.worst_numeric = numeric;
        }
        if (isnan(rel_err)) r.max_rel_err = INFINITY;  // a NaN gradient is never "close"
    }
    return r;
}

double gradcheck(GradcheckLossFn loss_fn, void *ctx, float *param,
                 const float *analytic_grad, size_t n) {
    return gradcheck_full(loss_fn, ctx, param, analytic_grad, n, 1e-2f, 1e-2).max_rel_err;
}

double weighted_sum(const float *out, const float *r, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)out[i] * (double)r[i];
    return s;
}
