// gen_fashion_sample.c: writes the shipped Fashion-MNIST sample, drawn by us.
//
// The real Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) is 70,000 photographs of Zalando
// articles, 28x28 grey, 10 classes; it is fetched, never committed. The sample in
// datasets/samples/fashion-mnist/ has the same four IDX files and classes, but every
// image is a procedural silhouette: each class is a few polygons and ellipses
// (sleeves, legs, a sole, a handle) whose size, position, rotation, brightness,
// texture and noise are random. Shirts, pullovers, coats and T-shirts share most of
// their outline, as in the real data, so the task is learnable but not trivial.
//
//   make && build/bin/gen_fashion_sample                        # rewrites the sample
//   build/bin/gen_fashion_sample /tmp/fm --train 5000           # elsewhere, bigger
//   build/bin/gen_fashion_sample --out /tmp/fm --preview /tmp/sample.pgm   # and a 10x10 grid to look at
//
// Same --seed, same bytes. The sample is what tests and `--quick` runs use.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/idx.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/rng.h"

// Same seed, same bytes, whatever the compiler: at most one random draw per expression
// (C leaves the order of evaluation of function arguments unspecified), and no fused
// multiply-adds, which round differently from separate ones (gcc does not fuse in
// -std=c11 mode; clang does unless told not to).
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define SIDE 28
#define MAX_PRIMS 48
#define MAX_VERTS 8

// A shape is drawn with the painter's algorithm: a point takes the value of the last
// primitive that contains it (so a dark line drawn after a body cuts into it).
typedef struct {
    int is_ellipse;
    int n;                          // polygon vertices
    float x[MAX_VERTS], y[MAX_VERTS];
    float cx, cy, rx, ry;           // ellipse
    float value;                    // brightness, 0 = background
} Prim;

typedef struct {
    Prim p[MAX_PRIMS];
    int n;
} Shape;

static Prim *add_prim(Shape *s) {
    if (s->n == MAX_PRIMS) DIE("gen_fashion_sample: more than %d primitives", MAX_PRIMS);
    Prim *p = &s->p[s->n++];
    memset(p, 0, sizeof(*p));
    return p;
}

// Polygon from n (x, y) pairs.
static void poly(Shape *s, float value, int n, const float *xy) {
    Prim *p = add_prim(s);
    p->n = n;
    p->value = value;
    for (int i = 0; i < n; i++) {
        p->x[i] = xy[2 * i];
        p->y[i] = xy[2 * i + 1];
    }
}

static void rect(Shape *s, float value, float x0, float y0, float x1, float y1) {
    float xy[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
    poly(s, value, 4, xy);
}

static void ellipse(Shape *s, float value, float cx, float cy, float rx, float ry) {
    Prim *p = add_prim(s);
    p->is_ellipse = 1;
    p->cx = cx;
    p->cy = cy;
    p->rx = rx;
    p->ry = ry;
    p->value = value;
}

// Even-odd crossing test: works for any simple polygon.
static int inside_poly(const Prim *p, float x, float y) {
    int in = 0;
    for (int i = 0, j = p->n - 1; i < p->n; j = i++) {
        if ((p->y[i] > y) != (p->y[j] > y) &&
            x < (p->x[j] - p->x[i]) * (y - p->y[i]) / (p->y[j] - p->y[i]) + p->x[i])
            in = !in;
    }
    return in;
}

static float shape_value(const Shape *s, float x, float y) {
    float v = 0.0f;
    for (int k = 0; k < s->n; k++) {
        const Prim *p = &s->p[k];
        int in;
        if (p->is_ellipse) {
            float dx = (x - p->cx) / p->rx, dy = (y - p->cy) / p->ry;
            in = dx * dx + dy * dy <= 1.0f;
        } else {
            in = inside_poly(p, x, y);
        }
        if (in) v = p->value;
    }
    return v;
}

// Uniform in [lo, hi), computed here rather than by rng_uniform_range so that the
// FP_CONTRACT setting above covers it.
static float U(Rng *rng, float lo, float hi) {
    float t = rng_uniform(rng);
    return lo + (hi - lo) * t;
}

// ---- the ten classes, in canonical coordinates: x right, y down, 0..28 ----------------

// Torso with sleeves: shared by T-shirt (short), pullover, coat and shirt (long).
// Returns the torso's half width; top/bottom in *y0, *y1.
static float torso(Shape *s, Rng *rng, float v, int long_sleeves, float length, float *y0, float *y1) {
    float bw = U(rng, 5.0f, 7.0f), top = U(rng, 4.0f, 6.0f), bot = top + length;
    float c = 14.0f;
    if (long_sleeves) {
        // shoulder, outer shoulder, outer cuff, inner cuff, armpit: a sleeve hanging
        // down and out beside the body
        float out = U(rng, 3.0f, 5.0f), sw = U(rng, 2.5f, 3.5f), end = bot - U(rng, 0.0f, 3.0f);
        float l[10] = {c - bw, top, c - bw - sw, top + 2, c - bw - out - sw, end, c - bw - out, end + 0.5f, c - bw, top + sw + 3};
        float r[10] = {c + bw, top, c + bw + sw, top + 2, c + bw + out + sw, end, c + bw + out, end + 0.5f, c + bw, top + sw + 3};
        poly(s, v * U(rng, 0.85f, 1.0f), 5, l);
        poly(s, v * U(rng, 0.85f, 1.0f), 5, r);
    } else {
        float sl = U(rng, 3.0f, 5.5f), sw = U(rng, 4.0f, 5.5f);
        float l[8] = {c - bw + 1, top, c - bw - sl, top + 3, c - bw - sl + 1.5f, top + 3 + sw, c - bw + 0.5f, top + sw + 1};
        float r[8] = {c + bw - 1, top, c + bw + sl, top + 3, c + bw + sl - 1.5f, top + 3 + sw, c + bw - 0.5f, top + sw + 1};
        poly(s, v, 4, l);
        poly(s, v, 4, r);
    }
    float flare = U(rng, -0.5f, 1.0f);
    float body[8] = {c - bw, top, c + bw, top, c + bw + flare, bot, c - bw - flare, bot};
    poly(s, v, 4, body);
    *y0 = top;
    *y1 = bot;
    return bw;
}

static void draw_tshirt(Shape *s, Rng *rng, float v) {
    float y0, y1;
    torso(s, rng, v, 0, U(rng, 16.0f, 19.0f), &y0, &y1);
    float neck_rx = U(rng, 2.0f, 3.0f), neck_ry = U(rng, 1.2f, 2.2f);
    ellipse(s, 0.0f, 14.0f, y0 - 0.5f, neck_rx, neck_ry);   // neck hole
    if (rng_uniform(rng) < 0.4f) {   // a printed logo
        float bright = U(rng, 0.3f, 1.3f), cx = 14.0f + U(rng, -1, 1), cy = y0 + U(rng, 5, 8);
        float rx = U(rng, 1.5f, 3.5f), ry = U(rng, 1.0f, 3.0f);
        ellipse(s, v * bright, cx, cy, rx, ry);
    }
}

static void draw_trouser(Shape *s, Rng *rng, float v) {
    float top = U(rng, 2.0f, 4.0f), bot = U(rng, 24.0f, 26.5f), hw = U(rng, 4.0f, 6.0f);
    float gap_top = U(rng, 0.2f, 0.8f), gap_bot = U(rng, 0.8f, 2.5f), flare = U(rng, -0.5f, 1.5f);
    float crotch = top + U(rng, 5.0f, 8.0f), c = 14.0f;
    float left[10] = {c - hw, top, c, top, c - gap_top, crotch, c - gap_bot, bot, c - hw - flare, bot};
    float right[10] = {c + hw, top, c, top, c + gap_top, crotch, c + gap_bot, bot, c + hw + flare, bot};
    poly(s, v, 5, left);
    poly(s, v * U(rng, 0.9f, 1.0f), 5, right);
    rect(s, v * U(rng, 0.7f, 1.1f), c - hw, top, c + hw, top + 1.2f);   // waistband
}

static void draw_pullover(Shape *s, Rng *rng, float v) {
    float y0, y1;
    float bw = torso(s, rng, v, 1, U(rng, 15.0f, 18.0f), &y0, &y1);
    ellipse(s, v * 0.6f, 14.0f, y0, U(rng, 2.0f, 3.0f), 1.2f);   // ribbed neck
    rect(s, v * U(rng, 0.7f, 0.9f), 14.0f - bw, y1 - 1.5f, 14.0f + bw, y1);   // waistband
}

static void draw_dress(Shape *s, Rng *rng, float v) {
    float top = U(rng, 2.5f, 5.0f), waist = top + U(rng, 6.0f, 8.0f), bot = U(rng, 24.0f, 26.5f);
    float bodice = U(rng, 2.5f, 4.0f), hem = U(rng, 6.0f, 10.0f), c = 14.0f;
    float body[12] = {c - bodice - 0.5f, top, c + bodice + 0.5f, top, c + bodice - 0.5f, waist,
                      c + hem, bot, c - hem, bot, c - bodice + 0.5f, waist};
    poly(s, v, 6, body);
    if (rng_uniform(rng) < 0.5f) {   // short sleeves or straps
        float sl = U(rng, 1.5f, 3.0f);
        float l[8] = {c - bodice - 0.5f, top, c - bodice - sl, top + 1.5f, c - bodice - sl + 0.5f, top + 3.5f, c - bodice, top + 3};
        float r[8] = {c + bodice + 0.5f, top, c + bodice + sl, top + 1.5f, c + bodice + sl - 0.5f, top + 3.5f, c + bodice, top + 3};
        poly(s, v, 4, l);
        poly(s, v, 4, r);
    }
    if (rng_uniform(rng) < 0.5f) rect(s, v * 0.6f, c - bodice, waist - 0.6f, c + bodice, waist + 0.6f);   // belt
}

static void draw_coat(Shape *s, Rng *rng, float v) {
    float y0, y1;
    torso(s, rng, v, 1, U(rng, 18.0f, 21.0f), &y0, &y1);
    float c = 14.0f, lap = U(rng, 2.0f, 3.0f);
    float lapel[6] = {c - lap, y0, c + lap, y0, c, y0 + U(rng, 5.0f, 8.0f)};
    poly(s, v * U(rng, 0.3f, 0.6f), 3, lapel);                                   // open collar
    rect(s, v * U(rng, 0.4f, 0.7f), c - 0.4f, y0 + 5.0f, c + 0.4f, y1);           // front opening
    if (rng_uniform(rng) < 0.5f)                                                  // pockets
        for (int side = -1; side <= 1; side += 2)
            rect(s, v * 0.7f, c + side * 2.0f - (side < 0 ? 3.0f : 0.0f), y1 - 7, c + side * 2.0f + (side > 0 ? 3.0f : 0.0f), y1 - 6.3f);
}

static void draw_sandal(Shape *s, Rng *rng, float v) {
    float sole_y = U(rng, 18.0f, 21.0f), x0 = U(rng, 2.0f, 4.0f), x1 = U(rng, 24.0f, 26.0f);
    float heel = U(rng, 0.0f, 4.0f);
    float sole[10] = {x0, sole_y, x1, sole_y - heel, x1, sole_y - heel + 1.8f, x1 - 4, sole_y + 1.5f, x0, sole_y + 1.8f};
    poly(s, v, 5, sole);
    int straps = 2 + rng_int(rng, 3);
    for (int k = 0; k < straps; k++) {   // thin straps over the foot, with gaps between
        float xs = x0 + 2 + (x1 - x0 - 6) * (k + U(rng, 0.0f, 0.5f)) / straps, w = U(rng, 0.8f, 1.8f);
        float top = sole_y - U(rng, 4.0f, 9.0f), lean = U(rng, -3.0f, 3.0f);
        float st[8] = {xs, sole_y, xs + w, sole_y, xs + w + lean, top, xs + lean, top};
        poly(s, v * U(rng, 0.7f, 1.0f), 4, st);
    }
    if (rng_uniform(rng) < 0.5f) ellipse(s, v * 0.8f, x1 - 3, sole_y - heel - 2, 2.5f, 0.8f);   // ankle strap
}

static void draw_sneaker(Shape *s, Rng *rng, float v) {
    float x0 = U(rng, 1.5f, 3.5f), x1 = U(rng, 24.5f, 26.5f), base = U(rng, 19.0f, 22.0f);
    float heel_top = base - U(rng, 8.0f, 11.0f), toe_top = base - U(rng, 3.5f, 5.5f);
    float upper[12] = {x0, base, x1, base, x1, toe_top + 1.5f, x1 - 6, toe_top,
                       x0 + U(rng, 6.0f, 9.0f), heel_top, x0, heel_top + 1.0f};
    poly(s, v, 6, upper);
    float sole_v = fminf(1.0f, v * U(rng, 1.1f, 1.5f)), sole_h = U(rng, 1.5f, 2.5f);
    rect(s, sole_v, x0, base - sole_h, x1, base);   // a bright sole
    int laces = 2 + rng_int(rng, 3);
    for (int k = 0; k < laces; k++)
        ellipse(s, v * 0.4f, x0 + 8 + 2.2f * k, heel_top + 2.5f + 1.0f * k, 0.8f, 0.5f);
}

static void draw_bag(Shape *s, Rng *rng, float v) {
    float top = U(rng, 9.0f, 13.0f), bot = U(rng, 22.0f, 25.0f), hw = U(rng, 7.0f, 10.0f);
    float taper = U(rng, -1.0f, 1.5f), c = 14.0f;
    if (rng_uniform(rng) < 0.75f) {   // a handle: a ring above the body
        float rx = U(rng, 3.0f, 6.0f), ry = U(rng, 3.0f, 6.0f), t = U(rng, 1.0f, 1.8f);
        ellipse(s, v * 0.9f, c, top, rx, ry);
        ellipse(s, 0.0f, c, top, rx - t, ry - t);
    }
    float body[8] = {c - hw + taper, top, c + hw - taper, top, c + hw, bot, c - hw, bot};
    poly(s, v, 4, body);
    if (rng_uniform(rng) < 0.5f) rect(s, v * 0.6f, c - hw + taper, top + 2, c + hw - taper, top + 2.8f);   // flap
}

static void draw_boot(Shape *s, Rng *rng, float v) {
    float x0 = U(rng, 2.5f, 5.0f), x1 = U(rng, 23.5f, 26.0f), base = U(rng, 22.0f, 25.0f);
    float shaft_top = U(rng, 3.0f, 7.0f), shaft_w = U(rng, 8.0f, 11.0f), toe_top = base - U(rng, 5.0f, 7.0f);
    float boot[12] = {x0, base, x1, base, x1, toe_top + 1.5f, x0 + shaft_w + 3, toe_top,
                      x0 + shaft_w, shaft_top, x0, shaft_top};
    poly(s, v, 6, boot);
    float sole_v = v * U(rng, 0.5f, 0.8f), sole_h = U(rng, 1.5f, 2.5f);
    rect(s, sole_v, x0, base - sole_h, x1, base);   // a dark sole
    if (rng_uniform(rng) < 0.5f) rect(s, v * 0.7f, x0, shaft_top, x0 + shaft_w, shaft_top + 1.5f);   // cuff
}

static void draw_shirt(Shape *s, Rng *rng, float v) {
    float y0, y1;
    int long_sleeves = rng_uniform(rng) < 0.7f;   // short-sleeved shirts look like T-shirts
    torso(s, rng, v, long_sleeves, U(rng, 16.0f, 19.0f), &y0, &y1);
    float c = 14.0f;
    float l[6] = {c - 3.0f, y0 - 0.5f, c, y0 + 2.5f, c - 1.0f, y0 + 3.0f};   // collar points
    float r[6] = {c + 3.0f, y0 - 0.5f, c, y0 + 2.5f, c + 1.0f, y0 + 3.0f};
    poly(s, v * 0.7f, 3, l);
    poly(s, v * 0.7f, 3, r);
    rect(s, v * 0.75f, c - 0.35f, y0 + 3, c + 0.35f, y1);                         // placket
    for (float y = y0 + 5; y < y1 - 1; y += U(rng, 2.5f, 4.0f))
        ellipse(s, v * 0.4f, c, y, 0.5f, 0.5f);                                   // buttons
}

typedef void (*DrawFn)(Shape *, Rng *, float);
static const DrawFn draw_class[IDX_N_CLASSES] = {
    draw_tshirt, draw_trouser, draw_pullover, draw_dress, draw_coat,
    draw_sandal, draw_shirt, draw_sneaker, draw_bag, draw_boot,
};

// One image: draw the class in canonical coordinates, then render it through a random
// similarity transform (scale, aspect, rotation, shift, mirror) with 4x4 supersampling,
// multiply by a striped texture, add sensor noise, quantise to bytes.
static void render(unsigned char *img, int label, Rng *rng) {
    Shape s = {.n = 0};
    float base = U(rng, 0.45f, 1.0f);
    draw_class[label](&s, rng, base);

    float scale = U(rng, 0.85f, 1.08f), aspect = U(rng, 0.9f, 1.1f), angle = U(rng, -0.12f, 0.12f);
    float dx = U(rng, -1.5f, 1.5f), dy = U(rng, -1.5f, 1.5f), mirror = rng_uniform(rng) < 0.5f ? -1.0f : 1.0f;
    float ca = cosf(angle), sa = sinf(angle);
    float sx = 1.0f / (scale * aspect), sy = aspect / scale;   // inverse scales
    float tex_amp = U(rng, 0.0f, 0.35f), fx = U(rng, -1.2f, 1.2f), fy = U(rng, -1.2f, 1.2f), ph = U(rng, 0.0f, 6.3f);
    float noise = U(rng, 0.02f, 0.08f);
    for (int r = 0; r < SIDE; r++) {
        for (int c = 0; c < SIDE; c++) {
            float acc = 0.0f;
            for (int j = 0; j < 4; j++) {
                for (int i = 0; i < 4; i++) {
                    // pixel position relative to the centre, then the inverse transform
                    float px = (float)c + (i + 0.5f) / 4.0f - 14.0f - dx;
                    float py = (float)r + (j + 0.5f) / 4.0f - 14.0f - dy;
                    float u = (ca * px + sa * py) * sx * mirror + 14.0f;
                    float w = (-sa * px + ca * py) * sy + 14.0f;
                    acc += shape_value(&s, u, w);
                }
            }
            float val = acc / 16.0f;
            if (val > 0.0f) {
                val *= 1.0f + tex_amp * sinf(fx * (float)c + fy * (float)r + ph);
                val += noise * rng_normal(rng);
            }
            val = val < 0.0f ? 0.0f : val > 1.0f ? 1.0f : val;
            img[r * SIDE + c] = (unsigned char)lrintf(val * 255.0f);
        }
    }
}

// n images with balanced, shuffled labels.
static void make_split(unsigned char *images, unsigned char *labels, int n, Rng *rng) {
    int *order = xmalloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) order[i] = i % IDX_N_CLASSES;
    rng_shuffle(rng, order, n);
    for (int i = 0; i < n; i++) {
        labels[i] = (unsigned char)order[i];
        render(images + (size_t)i * SIDE * SIDE, order[i], rng);
    }
    free(order);
}

static void write_split(const char *dir, const char *split, int n, Rng *rng) {
    unsigned char *images = xmalloc((size_t)n * SIDE * SIDE), *labels = xmalloc((size_t)n);
    make_split(images, labels, n, rng);
    char path[4096], name[64], err[512];
    int img_dims[3] = {n, SIDE, SIDE}, lab_dims[1] = {n};
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", split);
    if (idx_write_u8(path_join(path, sizeof path, dir, name), images, img_dims, 3, err, sizeof err) != 0)
        DIE("%s", err);
    printf("wrote %s (%d images)\n", path, n);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", split);
    if (idx_write_u8(path_join(path, sizeof path, dir, name), labels, lab_dims, 1, err, sizeof err) != 0)
        DIE("%s", err);
    printf("wrote %s (%d labels)\n", path, n);
    free(images);
    free(labels);
}

// A grid of examples as a binary PGM (any image viewer opens it): one row per class.
static void write_preview(const char *path, int per_class, Rng *rng) {
    int W = per_class * (SIDE + 2), H = IDX_N_CLASSES * (SIDE + 2);
    unsigned char *canvas = xcalloc((size_t)W * H, 1), img[SIDE * SIDE];
    for (int k = 0; k < IDX_N_CLASSES; k++)
        for (int e = 0; e < per_class; e++) {
            render(img, k, rng);
            for (int r = 0; r < SIDE; r++)
                memcpy(canvas + (size_t)(k * (SIDE + 2) + 1 + r) * W + e * (SIDE + 2) + 1, img + r * SIDE, SIDE);
        }
    char err[512];
    AtomicFile af;
    if (atomic_open(&af, path, err, sizeof err) != 0) DIE("%s", err);
    fprintf(af.fp, "P5\n%d %d\n255\n", W, H);
    fwrite(canvas, 1, (size_t)W * H, af.fp);
    if (atomic_commit(&af, err, sizeof err) != 0) DIE("%s", err);
    printf("wrote %s (%d classes x %d examples)\n", path, IDX_N_CLASSES, per_class);
    free(canvas);
}

int main(int argc, char **argv) {
    const char *out = "datasets/samples/fashion-mnist", *preview = NULL;
    int n_train = 1000, n_test = 200, seed = 2017;
    Flag flags[] = {
        {"out", FLAG_STRING, &out, "directory for the four IDX files"},
        {"train", FLAG_INT, &n_train, "training images"},
        {"test", FLAG_INT, &n_test, "test images"},
        {"seed", FLAG_INT, &seed, "random seed (same seed, same bytes)"},
        {"preview", FLAG_STRING, &preview, "also write a 10x10 grid of examples as a PGM image"},
    };
    // `gen_fashion_sample DIR` is short for `gen_fashion_sample --out DIR`.
    if (argc > 1 && strncmp(argv[1], "--", 2) != 0 && strcmp(argv[1], "-h") != 0) {
        out = argv[1];
        argv[1] = argv[0];
        argc--, argv++;
    }
    cli_parse(argc, argv, flags, 5, "gen_fashion_sample: procedural 28x28 clothing images in IDX format");
    cli_require(n_train > 0 && n_test > 0, "--train and --test must be positive");
    if (make_dirs(out) != 0) DIE("%s: cannot create directory", out);
    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    write_split(out, "train", n_train, &rng);
    write_split(out, "t10k", n_test, &rng);
    if (preview) write_preview(preview, 10, &rng);
    return 0;
}
