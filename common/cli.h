// cli.h: a tiny command-line flag parser with --help.
//
//   int epochs = 10; float lr = 0.1f; const char *data = NULL; int quick = 0;
//   Flag flags[] = {
//       {"epochs", FLAG_INT, &epochs, "passes over the training set"},
//       {"lr", FLAG_FLOAT, &lr, "learning rate"},
//       {"data", FLAG_STRING, &data, "data directory"},
//       {"quick", FLAG_BOOL, &quick, "small run for `make run`"},
//   };
//   cli_parse(argc, argv, flags, 4, "ch01: linear regression three ways");
//
// Accepts `--name value` and `--name=value`; a FLAG_BOOL takes no value. Bad
// numbers, unknown flags and missing values stop with a message that names the
// flag and points at --help (exit status 2). --help prints every flag with its
// current (default) value and exits 0.
#ifndef COMMON_CLI_H
#define COMMON_CLI_H

typedef enum { FLAG_INT, FLAG_FLOAT, FLAG_STRING, FLAG_BOOL } FlagType;

typedef struct {
    const char *name;   // without the leading "--"
    FlagType type;
    void *value;        // int*, float*, const char**, int* (bool)
    const char *help;
} Flag;

void cli_parse(int argc, char **argv, const Flag *flags, int n_flags, const char *about);

// Whether argv holds --name (or --name=value). A mode that changes defaults (--quick)
// sets them before cli_parse, so that a flag given beside it still wins:
//   if (cli_flag_given(argc, argv, "quick")) o.steps = 300;
//   cli_parse(argc, argv, ...);        // --quick --steps 50 trains 50 steps
int cli_flag_given(int argc, char **argv, const char *name);

// Stops with "error: <message> (see --help)" and exit status 2 unless ok.
// For checks the parser cannot know, e.g. cli_require(lr > 0, "--lr must be positive").
void cli_require(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// The flags every chapter program has (DESIGN.md), in one struct:
typedef struct {
    int seed;           // --seed N: same seed and build, same numbers
    int quick;          // --quick: the small run `make run` uses
    const char *data;   // --data DIR: full data set (default: the shipped sample)
    const char *out;    // --out DIR: figures, metrics CSV, checkpoints
} CommonOpts;

// Expands to the four Flag initialisers for a CommonOpts.
#define COMMON_FLAGS(opts)                                                              \
    {"seed", FLAG_INT, &(opts).seed, "random seed (same seed, same numbers)"},          \
    {"quick", FLAG_BOOL, &(opts).quick, "quick mode: small data, few steps (make run)"}, \
    {"data", FLAG_STRING, &(opts).data, "full data set directory (default: the chapter's own small data)"}, \
    {"out", FLAG_STRING, &(opts).out, "output directory for figures, CSV, checkpoints"}

#endif
