# Machine Learning and Transformers from Scratch, in C: the one entry point.
# `make help` lists the targets. Everything is built out of tree, under build/.

CC      ?= cc
CSTD    := -std=c11
WARN    := -Wall -Wextra
# -march=native only where the compiler accepts it (not every macOS clang does): it
# picks common/matmul.c's AVX2 / AVX-512 kernels on the machine that builds.
MARCH   := $(shell printf 'int main(void){return 0;}\n' | $(CC) -march=native -x c - -o /dev/null 2>/dev/null && echo -march=native)
OPT     ?= -O3 $(MARCH)
# make CC=clang builds into build/clang, so objects of two compilers never mix
BUILD   ?= $(if $(filter command line environment,$(origin CC)),build/$(notdir $(CC)),build)

# OpenMP when the compiler has it, silently absent otherwise (Apple clang).
# -fopenmp-simd alone still honours `#pragma omp simd` without a runtime.
OPENMP_FLAG := $(shell printf 'int main(void){return 0;}\n' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo -fopenmp)

ifeq ($(SANITIZE),1)
  BUILD   := $(BUILD)/sanitize
  # same -march as a normal build, so the sanitizers also run the intrinsics kernels
  OPT     := -O1 -g -fno-omit-frame-pointer $(MARCH)
  SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
  OPENMP_FLAG :=
endif
ifeq ($(OPENMP_FLAG),)
  # no runtime: `#pragma omp simd` still steers the vectoriser (common/matmul.c)
  OPENMP_FLAG := $(shell printf 'int main(void){return 0;}\n' | $(CC) -fopenmp-simd -x c - -o /dev/null 2>/dev/null && echo -fopenmp-simd)
  WARN += -Wno-unknown-pragmas
endif


# Homebrew keeps headers and libraries under its own prefix.
BREW_PREFIX := $(shell command -v brew >/dev/null 2>&1 && brew --prefix 2>/dev/null)
ifneq ($(BREW_PREFIX),)
  EXTRA_INC := -I$(BREW_PREFIX)/include
  EXTRA_LIB := -L$(BREW_PREFIX)/lib
endif

CFLAGS  := $(CSTD) $(WARN) $(OPT) $(SAN) $(OPENMP_FLAG) -I. $(EXTRA_INC) -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS := $(SAN) $(OPENMP_FLAG) $(EXTRA_LIB)
LDLIBS  := -lm

# --- what gets built ------------------------------------------------------------
# libbook.a: common/ and every chapter's building blocks (all .c but main.c).
COMMON_SRC  := $(wildcard common/*.c)
CHAPTER_LIB := $(filter-out %/main.c,$(wildcard chapters/*/*.c))
LIB_SRC     := $(COMMON_SRC) $(CHAPTER_LIB)
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB         := $(BUILD)/libbook.a

# One program per chapter: chapters/02_backprop/main.c -> build/bin/ch02
CHAPTER_DIRS := $(sort $(dir $(wildcard chapters/*/main.c)))
chapter_num   = $(firstword $(subst _, ,$(notdir $(patsubst %/,%,$(1)))))
CHAPTER_BINS := $(foreach d,$(CHAPTER_DIRS),$(BUILD)/bin/ch$(call chapter_num,$(d)))

# Data generators: datasets/tools/gen_spiral.c -> build/bin/gen_spiral
TOOL_SRC  := $(wildcard datasets/tools/*.c)
TOOL_BINS := $(TOOL_SRC:datasets/tools/%.c=$(BUILD)/bin/%)

# The Criterion suite: every tests/*.c in one binary (TESTS=... to pick a subset).
TESTS     ?= $(wildcard tests/*.c)
TEST_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(TESTS)))
# a subset gets its own binary, so two different TESTS lists never overwrite each other
TEST_BIN  := $(BUILD)/bin/book_tests$(if $(filter command line environment,$(origin TESTS)),_$(firstword $(shell echo '$(TESTS)' | cksum)))
CRITERION_CFLAGS := $(shell pkg-config --cflags criterion 2>/dev/null)
CRITERION_LIBS   := $(or $(shell pkg-config --libs criterion 2>/dev/null),-lcriterion)

BENCH_BIN := $(BUILD)/bin/bench_matmul

# Chapter 09's expert parallelism over MPI: built only where mpicc is (Open MPI; .ci/run
# installs it, a reader never needs it), and not under the sanitizers. OMPI_CC makes
# Open MPI's wrapper use $(CC), so that a clang build links clang's OpenMP runtime.
MPICC := $(if $(filter 1,$(SANITIZE)),,$(shell command -v mpicc 2>/dev/null))
EP_BIN := $(if $(MPICC),$(BUILD)/bin/ch09_ep)
EP_SRC := $(wildcard chapters/09_moe/mpi/*.c)
# mpirun refuses root unless told; CI containers run as root
MPIRUN := OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 mpirun --oversubscribe

.SECONDARY:

.PHONY: all run test exercises exercise exercise-stubs bench help clean criterion figures unicode-tables
.DEFAULT_GOAL := all

all: $(LIB) $(CHAPTER_BINS) $(TOOL_BINS) $(EP_BIN)

ifneq ($(EP_BIN),)
$(EP_BIN): $(EP_SRC) $(wildcard chapters/09_moe/mpi/*.h) $(LIB)
	@mkdir -p $(dir $@)
	OMPI_CC=$(CC) $(MPICC) $(CSTD) $(WARN) $(OPT) $(OPENMP_FLAG) -I. $(EXTRA_CFLAGS) $(EP_SRC) $(LIB) $(LDLIBS) -o $@
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CRITERION_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

define chapter_rule
$(BUILD)/bin/ch$(call chapter_num,$(1)): $(BUILD)/obj/$(1)main.o $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@
endef
$(foreach d,$(CHAPTER_DIRS),$(eval $(call chapter_rule,$(d))))

$(BUILD)/bin/%: $(BUILD)/obj/datasets/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# --- the two commands ------------------------------------------------------------
# make run: every chapter in quick mode and a summary table; CH=NN [ARGS=...] runs one.
run: all
	@BUILD=$(BUILD) CH="$(CH)" ARGS="$(ARGS)" sh common/scripts/run_chapters.sh

criterion:
	@sh common/scripts/install_criterion.sh "$(CC)"

# make test: installs Criterion when missing, builds the suite, runs it.
# OMP_WAIT_POLICY=passive: Criterion runs two tests at once, each with its OpenMP
# threads; threads that spin while they wait then take the cores from each other. On
# 2 cores the suite took 222 s with spinning threads and 7.5 s with sleeping ones.
test: criterion all
	@$(MAKE) --no-print-directory $(TEST_BIN)
	@echo "== running the Criterion suite ($(TEST_BIN)) =="
	@cd . && OMP_WAIT_POLICY=passive ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 BOOK_BIN=$(BUILD)/bin $(TEST_BIN) --jobs 2 $(TEST_ARGS)
	@if [ -n "$(EP_BIN)" ]; then echo "== expert parallelism: 2 and 4 MPI processes against one (chapter 09) =="; \
	  $(MPIRUN) -np 2 $(EP_BIN) --check && $(MPIRUN) -np 4 $(EP_BIN) --check --experts 8; \
	else echo "(no mpicc: chapter 09's MPI check skipped; Open MPI is optional)"; fi

$(TEST_BIN): $(TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(EXTRA_LIB) $^ $(CRITERION_LIBS) $(LDLIBS) -o $@

# --- exercises ---------------------------------------------------------------------
# make exercise EX=02.3 grades your stub; make exercises grades the reference solutions;
# make exercise-stubs checks that every untouched stub fails its test (CI).
exercise: criterion $(LIB)
	@test -n "$(EX)" || { echo "usage: make exercise EX=NN.K (e.g. EX=01.2); see exercises/README.md"; exit 2; }
	@BUILD=$(BUILD) CC="$(CC)" CFLAGS="$(CFLAGS) $(CRITERION_CFLAGS)" LDFLAGS="$(LDFLAGS)" LIBS="$(LIB) $(CRITERION_LIBS) $(LDLIBS)" \
	  sh common/scripts/exercises.sh stub $(EX)

exercises: criterion $(LIB)
	@BUILD=$(BUILD) CC="$(CC)" CFLAGS="$(CFLAGS) $(CRITERION_CFLAGS)" LDFLAGS="$(LDFLAGS)" LIBS="$(LIB) $(CRITERION_LIBS) $(LDLIBS)" \
	  sh common/scripts/exercises.sh solutions $(or $(CH),all)

exercise-stubs: criterion $(LIB)
	@BUILD=$(BUILD) CC="$(CC)" CFLAGS="$(CFLAGS) $(CRITERION_CFLAGS)" LDFLAGS="$(LDFLAGS)" LIBS="$(LIB) $(CRITERION_LIBS) $(LDLIBS)" \
	  sh common/scripts/exercises.sh stubs-fail $(or $(CH),all)

# --- benchmarks and figures ------------------------------------------------------------
$(BENCH_BIN): $(BUILD)/obj/tests/bench/bench_matmul.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The same benchmark with OpenBLAS's sgemm as a column, built only when pkg-config
# finds OpenBLAS (`make bench COMPARE=1` installs it); never a dependency of the book.
$(BENCH_BIN)_openblas: tests/bench/bench_matmul.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MF /dev/null -DWITH_OPENBLAS $(shell pkg-config --cflags openblas 2>/dev/null) $< $(LIB) \
	  $(LDFLAGS) $(shell pkg-config --libs openblas 2>/dev/null) $(LDLIBS) -o $@

bench: all $(BENCH_BIN)
	@if [ "$(COMPARE)" = 1 ]; then sh common/scripts/install_openblas.sh; fi
	@if pkg-config --exists openblas 2>/dev/null; then $(MAKE) --no-print-directory $(BENCH_BIN)_openblas; \
	  else echo "(OpenBLAS not installed: no comparison column; make bench COMPARE=1 installs it)"; fi
	@BUILD=$(BUILD) sh common/scripts/bench.sh
	@if [ "$(COMPARE)" = 1 ]; then BUILD=$(BUILD) sh common/scripts/compare_tokenizer.sh; fi
	@if [ "$(COMPARE)" = 1 ]; then BUILD=$(BUILD) sh common/scripts/compare_bert.sh; fi
	@if [ "$(COMPARE)" = 1 ]; then BUILD=$(BUILD) sh common/scripts/compare_moe.sh; fi

# Every chapter's figures from its quick run, collected in build/figures/ for a look.
# (The figures in docs/figures/ that the READMEs embed come from the full runs each
# README names; copy them there by hand after such a run.)
figures: all
	@BUILD=$(BUILD) FIGURES=$(BUILD)/figures sh common/scripts/run_chapters.sh

# chapter 07's Unicode tables, regenerated from the Unicode Character Database (only
# to move to another Unicode version; Debian/Ubuntu: apt-get install unicode-data)
UNICODE_DATA ?= /usr/share/unicode/UnicodeData.txt
unicode-tables:
	@mkdir -p $(BUILD)/bin
	$(CC) $(CSTD) $(WARN) -O2 chapters/07_bert/tools/gen_unicode_tables.c -o $(BUILD)/bin/gen_unicode_tables
	$(BUILD)/bin/gen_unicode_tables $(UNICODE_DATA) > chapters/07_bert/unicode_tables.inc.tmp
	mv chapters/07_bert/unicode_tables.inc.tmp chapters/07_bert/unicode_tables.inc

help:
	@echo "make            build the library, every chapter program and the data generators"
	@echo "make run        run every chapter in quick mode, then print a summary table"
	@echo "make run CH=02 ARGS='--data datasets/fashion-mnist'   run one chapter with flags"
	@echo "make test       install Criterion if missing, build and run the test suite"
	@echo "make test SANITIZE=1   the same under AddressSanitizer + UBSan"
	@echo "make exercise EX=01.2  grade your solution of exercise 01.2"
	@echo "make exercises  grade the reference solutions (teachers, CI)"
	@echo "make exercise-stubs    check that every untouched stub fails its test"
	@echo "make bench      matmul GFLOP/s and each chapter's quick-run time and peak memory"
	@echo "make bench COMPARE=1   ... with OpenBLAS's sgemm beside it (installs OpenBLAS if missing),"
	@echo "                       ch07's tokenizer against Hugging Face's (needs node and npm), and"
	@echo "                       ch07's BERT and ch09's MoE layer against PyTorch (needs python3-torch)"
	@echo "make figures    collect every chapter's quick-run figures in build/figures/"
	@echo "make unicode-tables    regenerate chapter 07's Unicode tables from UnicodeData.txt"
	@echo "make clean      remove build/"
	@echo "Variables: CC=clang, SANITIZE=1, OPT='-O2', TESTS='tests/test_02_*.c'"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
