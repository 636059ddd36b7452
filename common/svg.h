// svg.h: a tiny dependency-free SVG writer for the book's figures: line plots
// (loss curves), scatter plots over a class-coloured grid (decision boundaries),
// heatmaps (attention weights, confusion matrices) and bar charts (gradient norms
// per layer, expert load). Files are written atomically; the functions return 0,
// or -1 after printing "path: reason" to stderr (a missing figure never stops a run).
#ifndef COMMON_SVG_H
#define COMMON_SVG_H

typedef struct {
    const char *label;      // legend text
    const float *x;         // n x values, or NULL for 1..n
    const float *y;         // n y values; non-finite points are skipped (diverged runs)
    int n;
} SvgSeries;

typedef struct {
    const char *title, *xlabel, *ylabel;
    int log_y;              // logarithmic y axis (non-positive values skipped)
    int log_x;
    float y_min, y_max;     // fixed y range when y_min < y_max, else automatic
} SvgPlot;

int svg_line_plot(const char *path, const SvgPlot *plot, const SvgSeries *series, int n_series);

// Points xy (n,2) with integer class labels drawn as coloured dots. When grid is
// not NULL it is a (grid_h, grid_w) array of predicted classes covering
// [x0,x1] x [y0,y1], row 0 at the top (y1), drawn as a pale background: the
// decision regions of a classifier.
int svg_scatter(const char *path, const SvgPlot *plot, const float *xy, const int *labels, int n,
                const int *grid, int grid_w, int grid_h, float x0, float x1, float y0, float y1);

// values (rows, cols) as coloured cells, with optional axis labels (NULL for none)
// and the value printed in each cell when annotate is set and the grid is small.
int svg_heatmap(const char *path, const char *title, const float *values, int rows, int cols,
                const char *const *row_labels, const char *const *col_labels, int annotate);

// One bar per value; plot->log_y gives a log axis (for gradient norms spanning decades).
int svg_bar_chart(const char *path, const SvgPlot *plot, const char *const *labels,
                  const float *values, int n);

#endif
