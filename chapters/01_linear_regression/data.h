// data.h: the chapter's three synthetic data sets, train/val/test splits, and the
// houses CSV format. Synthetic, so that we know the truth the models should find;
// every generator draws from an Rng the caller owns (same seed, same data).
//
//   houses   x (N,4): area m^2, rooms, age years, distance to centre km -> price k EUR
//            price = 150 + 2.0 area + 8 rooms - 0.5 age - 3.0 dist + N(0, 20^2)
//            (README "The data"): four features on very different scales.
//   sine     x (N,1) in [0,1] -> y = sin(2 pi x) + N(0, noise^2): the curve that
//            polynomial regression fits, and overfits.
//   blobs    x (N,2), y in {0,1}: two Gaussian clouds for logistic regression.
#ifndef CH01_DATA_H
#define CH01_DATA_H

#include <stddef.h>

#include "common/rng.h"

// A design matrix and its targets. Owns both buffers.
typedef struct {
    float *x;   // (n,d), row-major: one example per row
    float *y;   // (n): a real target, or a class 0/1 stored as float
    int n, d;
} DataXY;

void dataxy_alloc(DataXY *data, int n, int d);   // zeroed
void dataxy_free(DataXY *data);
void dataxy_copy(DataXY *dst, const DataXY *src);   // dst is allocated here
// out = the rows idx[0..n-1] of src, in that order (out is allocated here).
void dataxy_subset(DataXY *out, const DataXY *src, const int *idx, int n);

// Shuffles the rows with rng, then cuts them into train (first train_frac),
// val (next val_frac) and test (the rest). The three never share a row.
void dataxy_split(const DataXY *all, float train_frac, float val_frac, Rng *rng,
                  DataXY *train, DataXY *val, DataXY *test);

// --- houses -----------------------------------------------------------------------
enum { HOUSES_D = 4 };
extern const char *const HOUSES_FEATURE_NAMES[HOUSES_D];   // "area_m2", "rooms", ...
extern const float HOUSES_TRUE_W[HOUSES_D];                // 2.0, 8.0, -0.5, -3.0
extern const float HOUSES_TRUE_B;                          // 150
extern const float HOUSES_NOISE_STD;                       // 20 (k EUR)

void houses_generate(DataXY *out, int n, Rng *rng);

// The loader refuses any value with |v| > HOUSES_MAX_ABS. Why a bound at all: a value
// like 1e30 is a valid float, but its square (1e60) is not, so every loss and gradient
// on such a file would be inf/NaN with no hint why. Why 1e12: squared it is 1e24, far
// below float's 3.4e38 and six orders below the 1e30 at which train.c declares a run
// diverged, so a loss on legal data can never be mistaken for a divergence. No house
// feature or price (in k EUR) comes anywhere near it.
#define HOUSES_MAX_ABS 1e12   // a double: 1e12f is 999999995904

// CSV with the header `area_m2,rooms,age_years,distance_km,price_keur` and one house
// per line; a UTF-8 byte order mark before the header (Excel writes one) is skipped.
// Returns 0, or -1 with "path:line: what is wrong" in err (out untouched).
int houses_load_csv(DataXY *out, const char *path, char *err, size_t err_len);
// Atomic write (temp file + rename); returns 0, or -1 with the reason in err.
int houses_save_csv(const DataXY *data, const char *path, char *err, size_t err_len);

// --- sine (1-D, for polynomial regression) ------------------------------------------
void sine_generate(DataXY *out, int n, float noise_std, Rng *rng);
float sine_truth(float x);   // sin(2 pi x), the curve without noise

// --- blobs (2-D, two classes) --------------------------------------------------------
// Class 0 ~ N(BLOBS_MEAN0, I), class 1 ~ N(BLOBS_MEAN1, I), each with probability 1/2.
extern const float BLOBS_MEAN0[2], BLOBS_MEAN1[2];
void blobs_generate(DataXY *out, int n, Rng *rng);

#endif
