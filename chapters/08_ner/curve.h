// curve.h: a fine-tuning run's dev-F1 curve as a CSV file, written by every run
// (OUT/curve.csv) and read back to draw several runs in one figure (README 08.6:
// pre-trained, random weights, frozen encoder).
//
//   step,lr,train_loss,dev_f1,seconds
//   200,0.000481,0.41210,39.64,98.10
//
// One row per dev evaluation; train_loss is the mean since the previous row, seconds
// the training time so far (dev evaluations excluded).
#ifndef CH08_CURVE_H
#define CH08_CURVE_H

#include <stddef.h>

#include "chapters/08_ner/finetune.h"

// Writes r's curve atomically. 0, or -1 with a message in err.
int ftcurve_save(const char *path, const FtResult *r, char *err, size_t err_len);

// Reads a curve into r->curve / r->n_curve (r zeroed first; free with ftresult_free),
// and sets r->best_f1 / r->best_step. The header must be the one above; every row has
// five numbers, steps rising, F1 in [0, 100]. -1 with "path:line: message" in err.
int ftcurve_load(const char *path, FtResult *r, char *err, size_t err_len);

#endif
