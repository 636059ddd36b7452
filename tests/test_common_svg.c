// tests/test_common_svg.c: the figure writer and the progress line's formatting.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"
#include "common/progress.h"
#include "common/svg.h"

static char dir[64];

static void make_dir(void) {
    snprintf(dir, sizeof dir, "/tmp/book_svg_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static char *slurp(const char *name) {
    char path[128];
    path_join(path, sizeof path, dir, name);
    char *text = read_file(path, NULL);
    cr_assert_not_null(text, "%s was not written", path);
    remove(path);
    return text;
}

static int count(const char *text, const char *needle) {
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

Test(common_svg, line_plot_is_complete_svg_with_one_polyline_per_series, .init = make_dir) {
    float a[4] = {4, 3, 2, 1}, b[4] = {1, 2, 3, 4};
    SvgSeries s[2] = {{"falling", NULL, a, 4}, {"rising", NULL, b, 4}};
    SvgPlot p = {.title = "t", .xlabel = "epoch", .ylabel = "loss"};
    char path[128];
    cr_assert_eq(svg_line_plot(path_join(path, sizeof path, dir, "l.svg"), &p, s, 2), 0);
    char *svg = slurp("l.svg");
    cr_assert(strncmp(svg, "<svg ", 5) == 0);
    cr_assert(strstr(svg, "</svg>\n") != NULL);
    cr_assert_eq(count(svg, "<polyline"), 2);
    cr_assert(strstr(svg, ">falling<") && strstr(svg, ">rising<"));
    free(svg);
    rmdir(dir);
}

Test(common_svg, diverged_run_breaks_the_line_at_nan_and_log_axis_skips_nonpositive, .init = make_dir) {
    // a run that diverges at step 3: the curve stops there instead of poisoning the axis range
    float y[6] = {1, 0.5f, NAN, INFINITY, 0.25f, -1};
    SvgSeries s = {"diverged", NULL, y, 6};
    SvgPlot p = {.title = "t", .log_y = 1};
    char path[128];
    cr_assert_eq(svg_line_plot(path_join(path, sizeof path, dir, "d.svg"), &p, &s, 1), 0);
    char *svg = slurp("d.svg");
    cr_assert_eq(count(svg, "<polyline"), 2, "two finite stretches: [1, 0.5] and [0.25]");
    cr_assert(strstr(svg, "nan") == NULL && strstr(svg, "inf") == NULL);
    free(svg);
    rmdir(dir);
}

Test(common_svg, text_is_escaped, .init = make_dir) {
    float y[2] = {1, 2};
    SvgSeries s = {"a<b & c>d", NULL, y, 2};
    SvgPlot p = {.title = "x < y"};
    char path[128];
    cr_assert_eq(svg_line_plot(path_join(path, sizeof path, dir, "e.svg"), &p, &s, 1), 0);
    char *svg = slurp("e.svg");
    cr_assert(strstr(svg, "a&lt;b &amp; c&gt;d") != NULL);
    cr_assert(strstr(svg, "x &lt; y") != NULL);
    free(svg);
    rmdir(dir);
}

Test(common_svg, heatmap_scatter_and_bars_write_their_shapes, .init = make_dir) {
    char path[128];
    float v[6] = {0, 1, 2, 3, 4, 5};
    const char *rows[2] = {"r0", "r1"}, *cols[3] = {"c0", "c1", "c2"};
    cr_assert_eq(svg_heatmap(path_join(path, sizeof path, dir, "h.svg"), "h", v, 2, 3, rows, cols, 1), 0);
    char *svg = slurp("h.svg");
    cr_assert_geq(count(svg, "<rect"), 6 + 1);
    cr_assert(strstr(svg, ">c2<") != NULL);
    free(svg);

    float xy[6] = {0, 0, 1, 1, -1, 0.5f};
    int labels[3] = {0, 1, 1}, grid[4] = {0, 0, 1, 1};
    SvgPlot p = {.title = "s"};
    cr_assert_eq(svg_scatter(path_join(path, sizeof path, dir, "s.svg"), &p, xy, labels, 3, grid, 2, 2, -2, 2, -2, 2), 0);
    svg = slurp("s.svg");
    cr_assert_eq(count(svg, "r=\"2.6\""), 3, "one dot per point");
    // 2 grid rows, each one merged rectangle, plus the plot frame
    cr_assert_eq(count(svg, "<rect x="), 3, "equal neighbouring cells merge into one rectangle per row");
    free(svg);

    const char *names[3] = {"L1", "L2", "L3"};
    float norms[3] = {1e-4f, 1e-2f, 1};
    SvgPlot b = {.title = "b", .log_y = 1};
    cr_assert_eq(svg_bar_chart(path_join(path, sizeof path, dir, "b.svg"), &b, names, norms, 3), 0);
    svg = slurp("b.svg");
    cr_assert(strstr(svg, ">L3<") != NULL);
    free(svg);
    rmdir(dir);
}

Test(common_svg, unwritable_path_returns_error_and_leaves_no_file) {
    float y[2] = {1, 2};
    SvgSeries s = {"x", NULL, y, 2};
    SvgPlot p = {.title = "t"};
    cr_redirect_stderr();
    cr_assert_eq(svg_line_plot("/nonexistent_dir_for_test/f.svg", &p, &s, 1), -1);
}

Test(common_progress, durations_read_like_a_person_would_write_them) {
    char buf[32];
    format_duration(42.4, buf, sizeof buf);
    cr_assert_str_eq(buf, "42s");
    format_duration(190, buf, sizeof buf);
    cr_assert_str_eq(buf, "3m10s");
    format_duration(3720, buf, sizeof buf);
    cr_assert_str_eq(buf, "1h02m");
    format_duration(-5, buf, sizeof buf);
    cr_assert_str_eq(buf, "0s");
}

Test(common_svg, all_nonfinite_or_huge_values_still_give_a_small_file, .init = make_dir) {
    // a diverged run: nothing usable on a log axis, or values so large that adding a
    // tick step to them changes nothing; the writer must finish and stay small
    float bad[3] = {NAN, INFINITY, -1};
    float huge[3] = {1e30f, 1e30f * (1 + 1e-6f), 1e30f};
    SvgSeries s[2] = {{"nan", NULL, bad, 3}, {"huge", NULL, huge, 3}};
    SvgPlot p = {.title = "t", .log_y = 1};
    char path[128];
    for (int k = 0; k < 2; k++) {
        p.log_y = !k;
        cr_assert_eq(svg_line_plot(path_join(path, sizeof path, dir, "n.svg"), &p, &s[k], 1), 0);
        size_t len = 0;
        char *svg = read_file(path, &len);
        cr_assert_not_null(svg);
        cr_assert_lt(len, 20000, "figure of 3 points is %zu bytes", len);
        free(svg);
        remove(path);
    }
    rmdir(dir);
}
