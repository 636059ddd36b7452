// Exercise 04.4 (**): attention on a padded batch -- reference solution.
#include <math.h>
#include <string.h>

void ex_padded_attention(float *out, float *probs, const float *q, const float *k, const float *v,
                         const int *lengths, int B, int T, int d) {
    memset(out, 0, sizeof(float) * (size_t)B * T * d);
    memset(probs, 0, sizeof(float) * (size_t)B * T * T);
    float scale = 1.0f / sqrtf((float)d);
    for (int b = 0; b < B; b++) {
        int len = lengths[b] < T ? lengths[b] : T;
        const float *qb = q + (size_t)b * T * d, *kb = k + (size_t)b * T * d, *vb = v + (size_t)b * T * d;
        for (int t = 0; t < T && len > 0; t++) {
            float *p = probs + ((size_t)b * T + t) * T, m = -INFINITY;
            for (int j = 0; j < len; j++) {
                float s = 0;
                for (int i = 0; i < d; i++) s += qb[t * d + i] * kb[j * d + i];
                p[j] = s * scale;
                m = p[j] > m ? p[j] : m;
            }
            double sum = 0;
            for (int j = 0; j < len; j++) sum += p[j] = expf(p[j] - m);
            for (int j = 0; j < len; j++) p[j] = (float)(p[j] / sum);
            float *o = out + ((size_t)b * T + t) * d;
            for (int j = 0; j < len; j++)
                for (int i = 0; i < d; i++) o[i] += p[j] * vb[j * d + i];
        }
    }
}
