// Exercise 06.3, reference solution: K passes, each taking the best candidate that
// beats nothing already taken (a candidate is identified by its index k*V + v).
#include <math.h>

int ex_beam_select(const float *beam_score, const float *logp, int K, int V, int *out_beam, int *out_token,
                   float *out_score) {
    int n = 0, last = -1;
    float last_score = INFINITY;
    for (int slot = 0; slot < K; slot++) {
        int best = -1;
        float best_score = -INFINITY;
        for (int k = 0; k < K; k++) {
            if (!isfinite(beam_score[k])) continue;
            for (int v = 0; v < V; v++) {
                int idx = k * V + v;
                float s = beam_score[k] + logp[idx];
                // strictly after the previous pick in (score desc, index asc) order
                int after = s < last_score || (s == last_score && idx > last);
                if (after && (best < 0 || s > best_score)) best = idx, best_score = s;
            }
        }
        if (best < 0) break;
        out_beam[n] = best / V, out_token[n] = best % V, out_score[n] = best_score, n++;
        last = best, last_score = best_score;
    }
    return n;
}
