#include "common/svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/io.h"

// Layout of every chart: a plot area inside fixed margins, axes with "nice" ticks,
// a legend on the right. Coordinates in SVG pixels, y growing downwards.
enum { WIDTH = 720, HEIGHT = 440, M_LEFT = 76, M_RIGHT = 170, M_TOP = 44, M_BOTTOM = 56 };

// Tableau-10 colours: distinguishable, and kind to common colour blindness.
static const char *const PALETTE[10] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

static void put_text(FILE *fp, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

static int open_svg(AtomicFile *af, const char *path, int width, int height) {
    char err[512];
    if (atomic_open(af, path, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    fprintf(af->fp,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            width, height, width, height);
    return 0;
}

static int close_svg(AtomicFile *af) {
    char err[512];
    fputs("</svg>\n", af->fp);
    if (atomic_commit(af, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

// Title centred over the plot area [M_LEFT, plot_right], axis labels beside it.
static void title_and_labels(FILE *fp, const SvgPlot *p, int plot_right, int height) {
    if (p->title) {
        fprintf(fp, "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">",
                (M_LEFT + plot_right) / 2);
        put_text(fp, p->title);
        fputs("</text>\n", fp);
    }
    if (p->xlabel) {
        fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (M_LEFT + plot_right) / 2, height - 12);
        put_text(fp, p->xlabel);
        fputs("</text>\n", fp);
    }
    if (p->ylabel) {
        int cy = M_TOP + (height - M_TOP - M_BOTTOM) / 2;
        fprintf(fp, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">", cy, cy);
        put_text(fp, p->ylabel);
        fputs("</text>\n", fp);
    }
}

// A linear or logarithmic axis mapping data values to pixels.
typedef struct {
    double lo, hi;      // data range (log10 of it for a log axis)
    int log;
    double pix_lo, pix_hi;
} Axis;

static double axis_map(const Axis *a, double v) {
    double t = a->log ? log10(v) : v;
    return a->pix_lo + (t - a->lo) / (a->hi - a->lo) * (a->pix_hi - a->pix_lo);
}

// Step of 1, 2 or 5 times a power of ten giving about `target` ticks over span.
static double nice_step(double span, int target) {
    double raw = span / target, mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

static void fmt_tick(char *buf, size_t n, double v) {
    double a = fabs(v);
    if (a != 0 && (a >= 1e5 || a < 1e-3)) snprintf(buf, n, "%.0e", v);
    else snprintf(buf, n, "%g", fabs(v) < 1e-12 ? 0.0 : v);
}

// Ticks, labels and grid lines along one axis; vertical=1 for the y axis.
static void draw_axis(FILE *fp, const Axis *a, int vertical, int x0, int y0, int x1, int y1) {
    char label[32];
    if (a->log) {
        double first = ceil(a->lo - 1e-9);
        for (int i = 0; i < 64 && first + i <= a->hi + 1e-9; i++) {  // a bounded count, whatever the range
            double e = first + i, px = axis_map(a, pow(10, e));
            snprintf(label, sizeof label, "1e%d", (int)e);
            if (vertical)
                fprintf(fp, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n"
                            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                        x0, px, x1, px, x0 - 6, px + 4, label);
            else
                fprintf(fp, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>\n"
                            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                        px, y0, px, y1, px, y1 + 16, label);
        }
        return;
    }
    double step = nice_step(a->hi - a->lo, 6), first = ceil(a->lo / step - 1e-9);
    for (int i = 0; i < 64; i++) {  // integer steps: v += step could stall when step << |v|
        double v = (first + i) * step;
        if (v > a->hi + step * 1e-9) break;
        double px = axis_map(a, v);
        fmt_tick(label, sizeof label, v);
        if (vertical)
            fprintf(fp, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n"
                        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    x0, px, x1, px, x0 - 6, px + 4, label);
        else
            fprintf(fp, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>\n"
                        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    px, y0, px, y1, px, y1 + 16, label);
    }
}

static void frame(FILE *fp, int x0, int y0, int x1, int y1) {
    fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", x0, y0,
            x1 - x0, y1 - y0);
}

// Data range of the finite (and, for log axes, positive) values; pads flat ranges.
static void finish_range(Axis *a, double lo, double hi) {
    // no usable point at all (every value NaN/Inf, or non-positive on a log axis):
    // an empty axis over a default range, never an infinite one
    if (!(lo <= hi) || !isfinite(lo) || !isfinite(hi)) lo = a->log ? 1 : 0, hi = a->log ? 10 : 1;
    if (a->log) {
        lo = floor(log10(lo));
        hi = ceil(log10(hi));
        if (hi <= lo) hi = lo + 1;
    } else if (hi - lo < 1e-12) {
        double pad = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
        lo -= pad;
        hi += pad;
    }
    a->lo = lo;
    a->hi = hi;
}

static int usable(double v, int log_axis) { return isfinite(v) && (!log_axis || v > 0); }

// Width of the legend column for labels of up to max_chars characters (about 7 px each).
static int legend_width(int max_chars) {
    int w = 50 + 7 * max_chars;
    return w < M_RIGHT ? M_RIGHT : w;
}

int svg_line_plot(const char *path, const SvgPlot *p, const SvgSeries *series, int n_series) {
    int longest = 0;
    for (int s = 0; s < n_series; s++) {
        int len = series[s].label ? (int)strlen(series[s].label) : 0;
        longest = len > longest ? len : longest;
    }
    int width = WIDTH - M_RIGHT + legend_width(longest);
    int x0 = M_LEFT, x1 = WIDTH - M_RIGHT, y0 = M_TOP, y1 = HEIGHT - M_BOTTOM;
    Axis ax = {.log = p->log_x, .pix_lo = x0, .pix_hi = x1};
    Axis ay = {.log = p->log_y, .pix_lo = y1, .pix_hi = y0};
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < n_series; s++)
        for (int i = 0; i < series[s].n; i++) {
            double x = series[s].x ? series[s].x[i] : i + 1, y = series[s].y[i];
            if (!usable(x, ax.log) || !usable(y, ay.log)) continue;
            xlo = fmin(xlo, x), xhi = fmax(xhi, x);
            ylo = fmin(ylo, y), yhi = fmax(yhi, y);
        }
    if (p->y_min < p->y_max) ylo = p->y_min, yhi = p->y_max;
    finish_range(&ax, xlo, xhi);
    finish_range(&ay, ylo, yhi);

    AtomicFile af;
    if (open_svg(&af, path, width, HEIGHT) != 0) return -1;
    FILE *fp = af.fp;
    title_and_labels(fp, p, x1, HEIGHT);
    draw_axis(fp, &ay, 1, x0, y0, x1, y1);
    draw_axis(fp, &ax, 0, x0, y0, x1, y1);
    fprintf(fp, "<clipPath id=\"plot\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>\n", x0, y0,
            x1 - x0, y1 - y0);
    for (int s = 0; s < n_series; s++) {
        const char *color = PALETTE[s % 10];
        int open = 0;  // a polyline is broken at non-finite points (a diverged run stops there)
        for (int i = 0; i < series[s].n; i++) {
            double x = series[s].x ? series[s].x[i] : i + 1, y = series[s].y[i];
            if (!usable(x, ax.log) || !usable(y, ay.log)) {
                if (open) fputs("\"/>\n", fp);
                open = 0;
                continue;
            }
            if (!open)
                fprintf(fp, "<polyline clip-path=\"url(#plot)\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                        color);
            fprintf(fp, "%.1f,%.1f ", axis_map(&ax, x), axis_map(&ay, y));
            open = 1;
        }
        if (open) fputs("\"/>\n", fp);
        if (series[s].n < 30) {
            for (int i = 0; i < series[s].n; i++) {  // short series: mark the points too
                double x = series[s].x ? series[s].x[i] : i + 1, y = series[s].y[i];
                if (usable(x, ax.log) && usable(y, ay.log))
                    fprintf(fp, "<circle clip-path=\"url(#plot)\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                            axis_map(&ax, x), axis_map(&ay, y), color);
            }
        }
        int ly = y0 + 10 + 20 * s;
        fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n", x1 + 12,
                    ly, x1 + 32, ly, color);
        fprintf(fp, "<text x=\"%d\" y=\"%d\">", x1 + 38, ly + 4);
        put_text(fp, series[s].label);
        fputs("</text>\n", fp);
    }
    frame(fp, x0, y0, x1, y1);
    return close_svg(&af);
}

// The colour at 25% over white, as an opaque colour: cells may overlap by half a
// pixel (no hairline gaps) without darker seams where they do.
static void pale_colour(const char *hex, char out[8]) {
    unsigned rgb = (unsigned)strtoul(hex + 1, NULL, 16);
    unsigned r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;
    snprintf(out, 8, "#%02x%02x%02x", 191 + r / 4, 191 + g / 4, 191 + b / 4);
}

int svg_scatter(const char *path, const SvgPlot *p, const float *xy, const int *labels, int n,
                const int *grid, int grid_w, int grid_h, float gx0, float gx1, float gy0, float gy1) {
    int x0 = M_LEFT, x1 = WIDTH - M_RIGHT, y0 = M_TOP, y1 = HEIGHT - M_BOTTOM;
    Axis ax = {.pix_lo = x0, .pix_hi = x1}, ay = {.pix_lo = y1, .pix_hi = y0};
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    if (grid) xlo = gx0, xhi = gx1, ylo = gy0, yhi = gy1;
    else
        for (int i = 0; i < n; i++) {
            xlo = fmin(xlo, xy[2 * i]), xhi = fmax(xhi, xy[2 * i]);
            ylo = fmin(ylo, xy[2 * i + 1]), yhi = fmax(yhi, xy[2 * i + 1]);
        }
    finish_range(&ax, xlo, xhi);
    finish_range(&ay, ylo, yhi);
    int max_label = 0;
    for (int i = 0; i < n; i++) max_label = labels[i] > max_label ? labels[i] : max_label;

    AtomicFile af;
    if (open_svg(&af, path, WIDTH, HEIGHT) != 0) return -1;
    FILE *fp = af.fp;
    title_and_labels(fp, p, x1, HEIGHT);
    if (grid) {
        double cw = (double)(x1 - x0) / grid_w, ch = (double)(y1 - y0) / grid_h;
        // one rectangle per run of equal cells in a row keeps the file small
        for (int r = 0; r < grid_h; r++)
            for (int c = 0; c < grid_w;) {
                int k = grid[r * grid_w + c], run = 1;
                while (c + run < grid_w && grid[r * grid_w + c + run] == k) run++;
                char pale[8];
                pale_colour(PALETTE[k % 10], pale);
                fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                        x0 + c * cw, y0 + r * ch, run * cw + 0.5, ch + 0.5, pale);
                c += run;
            }
    }
    draw_axis(fp, &ay, 1, x0, y0, x1, y1);
    draw_axis(fp, &ax, 0, x0, y0, x1, y1);
    for (int i = 0; i < n; i++) {
        double px = axis_map(&ax, xy[2 * i]), py = axis_map(&ay, xy[2 * i + 1]);
        if (px < x0 || px > x1 || py < y0 || py > y1) continue;
        fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\" stroke=\"#222\" stroke-width=\"0.4\"/>\n", px,
                py, PALETTE[labels[i] % 10]);
    }
    for (int k = 0; k <= max_label && k < 10; k++) {
        int ly = y0 + 10 + 20 * k;
        fprintf(fp, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">class %d</text>\n",
                x1 + 20, ly, PALETTE[k], x1 + 32, ly + 4, k);
    }
    frame(fp, x0, y0, x1, y1);
    return close_svg(&af);
}

// A perceptually ordered map from dark blue through teal to yellow (viridis-like).
static void colormap(double t, char *buf, size_t n) {
    static const double stops[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    if (!(t >= 0)) t = 0;
    if (t > 1) t = 1;
    double pos = t * 4;
    int i = pos >= 4 ? 3 : (int)pos;
    double f = pos - i;
    int rgb[3];
    for (int c = 0; c < 3; c++) rgb[c] = (int)(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]) + 0.5);
    snprintf(buf, n, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

int svg_heatmap(const char *path, const char *title, const float *values, int rows, int cols,
                const char *const *row_labels, const char *const *col_labels, int annotate) {
    int left = row_labels ? 110 : 30, top = col_labels ? 100 : 50;
    int cell = rows <= 6 && cols <= 6 ? 60 : 28;  // small grids (confusion matrices) get room for numbers
    if (rows * cell > 640 || cols * cell > 900) {
        int by_rows = 640 / rows, by_cols = 900 / cols;
        cell = by_rows < by_cols ? by_rows : by_cols;
        if (cell < 2) cell = 2;
    }
    int width = left + cols * cell + 90, height = top + rows * cell + 30;
    int title_width = title ? left + 9 * (int)strlen(title) + 20 : 0;  // ~9 px per bold character
    if (width < title_width) width = title_width;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < rows * cols; i++)
        if (isfinite(values[i])) lo = fmin(lo, values[i]), hi = fmax(hi, values[i]);
    if (!(lo < hi)) hi = lo + 1;

    AtomicFile af;
    if (open_svg(&af, path, width, height) != 0) return -1;
    FILE *fp = af.fp;
    if (title) {
        fprintf(fp, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">", left);
        put_text(fp, title);
        fputs("</text>\n", fp);
    }
    char color[16];
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double v = values[r * cols + c], t = (v - lo) / (hi - lo);
            colormap(t, color, sizeof color);
            fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", left + c * cell,
                    top + r * cell, cell, cell, color);
            if (annotate && cell >= 24)
                fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"%d\" fill=\"%s\">%.*g</text>\n",
                        left + c * cell + cell / 2, top + r * cell + cell / 2 + 3, cell >= 60 ? 13 : 9,
                        t > 0.6 ? "black" : "white", cell >= 60 ? 5 : 2, v);
        }
    int font = cell < 12 ? (cell < 8 ? 0 : 8) : 11;
    for (int r = 0; row_labels && font && r < rows; r++) {
        fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"%d\">", left - 6,
                top + r * cell + cell / 2 + 4, font);
        put_text(fp, row_labels[r]);
        fputs("</text>\n", fp);
    }
    for (int c = 0; col_labels && font && c < cols; c++) {
        int x = left + c * cell + cell / 2 + 4, y = top - 6;
        fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" transform=\"rotate(-60 %d %d)\">", x, y, font, x, y);
        put_text(fp, col_labels[c]);
        fputs("</text>\n", fp);
    }
    // colour bar with its range
    int bx = left + cols * cell + 20;
    for (int i = 0; i < 50; i++) {
        colormap(1.0 - i / 49.0, color, sizeof color);
        fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"%d\" fill=\"%s\"/>\n", bx,
                top + i * rows * cell / 50, rows * cell / 50 + 1, color);
    }
    fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%.3g</text>\n", bx + 18, top + 8, hi);
    fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%.3g</text>\n", bx + 18, top + rows * cell, lo);
    return close_svg(&af);
}

int svg_bar_chart(const char *path, const SvgPlot *p, const char *const *labels, const float *values, int n) {
    int x0 = M_LEFT, x1 = WIDTH - 30, y0 = M_TOP, y1 = HEIGHT - M_BOTTOM - 20;
    Axis ay = {.log = p->log_y, .pix_lo = y1, .pix_hi = y0};
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        if (usable(values[i], ay.log)) lo = fmin(lo, values[i]), hi = fmax(hi, values[i]);
    if (!ay.log && lo > 0) lo = 0;  // linear bars start at zero
    if (p->y_min < p->y_max) lo = p->y_min, hi = p->y_max;
    finish_range(&ay, lo, hi);

    AtomicFile af;
    if (open_svg(&af, path, WIDTH, HEIGHT) != 0) return -1;
    FILE *fp = af.fp;
    title_and_labels(fp, p, x1, HEIGHT);
    draw_axis(fp, &ay, 1, x0, y0, x1, y1);
    double slot = (double)(x1 - x0) / (n > 0 ? n : 1);
    double base = ay.log ? y1 : axis_map(&ay, 0.0);
    for (int i = 0; i < n; i++) {
        double bx = x0 + i * slot + slot * 0.15, bw = slot * 0.7;
        if (usable(values[i], ay.log)) {
            double top = axis_map(&ay, values[i]);
            if (top < y0) top = y0;
            double ytop = top < base ? top : base, h = fabs(base - top);
            fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n", bx, ytop, bw, h,
                    PALETTE[0]);
        }
        if (labels && labels[i]) {
            double cx = bx + bw / 2;
            fprintf(fp, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" font-size=\"10\" transform=\"rotate(-45 %.1f %d)\">",
                    cx, y1 + 14, cx, y1 + 14);
            put_text(fp, labels[i]);
            fputs("</text>\n", fp);
        }
    }
    frame(fp, x0, y0, x1, y1);
    return close_svg(&af);
}
