// spiral.h: K interleaved spiral arms in the plane, one class per arm. No straight
// line separates them, so a linear classifier (chapter 01) fails and an MLP must bend
// its decision boundary: the smallest data set that shows why hidden layers matter.
#ifndef CH02_SPIRAL_H
#define CH02_SPIRAL_H

#include "common/rng.h"

// Writes n_per_class points of each of K classes: xy (K*n_per_class, 2) in roughly
// [-1,1]^2, labels (K*n_per_class) in [0,K), ordered class by class. Point i of arm k
// sits at radius r = (i+1)/n_per_class and angle 2 pi k/K + turns * 2 pi r + noise * N(0,1):
// the noise is an angle, so it moves a point by about r * noise (less at the centre,
// where the arms are close together).
void spiral_make(float *xy, int *labels, int n_per_class, int K, float turns, float noise, Rng *rng);

#endif
