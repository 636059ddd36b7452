// gen_ch01_houses: writes the synthetic house-price sample of chapter 01 as CSV.
//   build/bin/gen_ch01_houses --n 200 --seed 1 --out datasets/samples/ch01_houses.csv
// The generating formula is in chapters/01_linear_regression/data.h (and its README);
// the file is what `build/bin/ch01 --data datasets/samples` reads instead of generating.
#include <stdint.h>
#include <stdio.h>

#include "chapters/01_linear_regression/data.h"
#include "common/cli.h"
#include "common/err.h"

int main(int argc, char **argv) {
    int n = 200, seed = 1;
    const char *out = "datasets/samples/ch01_houses.csv";
    Flag flags[] = {
        {"n", FLAG_INT, &n, "number of houses"},
        {"seed", FLAG_INT, &seed, "random seed"},
        {"out", FLAG_STRING, &out, "CSV file to write (atomically)"},
    };
    cli_parse(argc, argv, flags, 3, "gen_ch01_houses: synthetic house prices for chapter 01, as CSV");
    cli_require(n >= 10 && n <= 10000000, "--n must be in 10..10000000, got %d", n);
    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    DataXY houses;
    houses_generate(&houses, n, &rng);
    char err[1024];
    if (houses_save_csv(&houses, out, err, sizeof err) != 0) DIE("%s", err);
    fprintf(stderr, "wrote %d houses to %s\n", n, out);
    dataxy_free(&houses);
    return 0;
}
