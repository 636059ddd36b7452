// gen_text_samples: writes the small samples of chapters 07 and 08 in the exact formats
// of their full data sets:
//
//   OUT/wikitext-2/wiki.{train,valid,test}.tokens   WikiText-2, tokenized variant
//   OUT/conll2003/eng.{train,testa,testb}           CoNLL-2003 English, IOB2
//
//   build/bin/gen_text_samples --out datasets/samples --seed 1
//
// All text is original (with some non-ASCII names and punctuation, so that the
// tokenizer's Unicode paths run in the quick mode too): encyclopedia-style articles and news sentences made from the
// templates below about invented people, towns, companies and events. The two samples
// share those names, as the real pre-training corpus shares words with CoNLL-2003.
// WikiText's conventions are kept: " = Title = " and " = = Section = = " headings,
// spaces around every punctuation mark, " @-@ ", " @,@ " and " @.@ " inside words and
// numbers, and <unk> for a rare word. CoNLL lines are WORD POS CHUNK NER with IOB2
// tags (B- starts every entity); POS and chunk tags follow the Penn Treebank style
// closely enough for a reader to recognise them (NER is what the book uses).
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/rng.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const FIRST[] = {"Anna", "Tomas", "Mira", "Jonas", "Elin", "Karim", "Sofia", "Pavel", "Ines",
                                    "Oskar", "Lena", "Marco", "Nadia", "Henrik", "Yusuf", "Clara", "Zo\u00eb",
                                    "J\u00fcrgen"};
static const char *const LAST[] = {"Berg", "Lind", "Okafor", "Weber", "Novak", "Haddad", "Moreau", "Kowalski",
                                   "Santos", "Holm", "Ferreira", "Dahl", "Marsh", "Quist", "\u00c5str\u00f6m",
                                   "Nu\u00f1ez"};
static const char *const TOWN[] = {"Varnholm", "Eskeby", "Lindmark", "Port Aster", "Selby Falls", "Kalder",
                                   "New Orrin", "Brakke", "Tovia", "Hessel Bay", "Marrow", "Duneford",
                                   "\u00d8resund Vik", "S\u00e3o Tovia"};
// titles past the list get a part of town, so every article has its own name
static const char *const PART[] = {"", " Hills", " Harbour", " North", " Old Town", " Bridge", " East", " West"};
static const char *const COUNTRY[] = {"Varnland", "Estoria", "Keldany", "the Orrin Republic"};
static const char *const ORG[] = {"Norvik Steel", "Helder Bank", "Baltic Grain Union", "Aster Motors",
                                  "the Kalder Institute", "Tovia Telecom", "Marrow United", "the Eskeby Council"};
static const char *const MISC[] = {"Varnish", "Estorian", "Keldanian", "Spring Cup", "Harbour Festival",
                                   "Aster Prize"};
static const char *const RIVER[] = {"Orr", "Vessel", "Kald", "Tove"};

typedef struct {
    char *s;
    size_t len, cap;
} Text;

static void add(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(Text *t, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) DIE("vsnprintf failed");
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->s = realloc(t->s, t->cap *= 2);
        if (!t->s) DIE("out of memory");
    }
}

static Text text_new(void) {
    Text t = {malloc(4096), 0, 4096};
    if (!t.s) DIE("out of memory");
    t.s[0] = 0;
    return t;
}

// Writes t to dir/name atomically and frees it.
static void save_text(const char *dir, const char *name, Text *t) {
    char path[4096], err[512];
    AtomicFile af;
    if (atomic_open(&af, path_join(path, sizeof path, dir, name), err, sizeof err)) DIE("%s", err);
    fwrite(t->s, 1, t->len, af.fp);
    if (atomic_commit(&af, err, sizeof err)) DIE("%s", err);
    free(t->s);
}

static const char *pick(Rng *rng, const char *const *list, int n) { return list[rng_int(rng, n)]; }
#define PICK(rng, list) pick(rng, list, COUNT(list))

// A number as WikiText writes it: 12400 -> "12 @,@ 400".
static void add_number(Text *t, int n) {
    if (n >= 1000) add(t, "%d @,@ %03d", n / 1000, n % 1000);
    else add(t, "%d", n);
}

// ---- WikiText ------------------------------------------------------------------------------------

static void wiki_article(Text *t, Rng *rng, int k) {
    char town[64];
    snprintf(town, sizeof town, "%s%s", TOWN[k % COUNT(TOWN)], PART[(k / COUNT(TOWN)) % COUNT(PART)]);
    const char *country = PICK(rng, COUNTRY), *river = PICK(rng, RIVER);
    add(t, " = %s = \n \n", town);
    add(t, " %s is a town in %s , on the east bank of the %s river . It has a population of ", town, country, river);
    add_number(t, 2000 + rng_int(rng, 60000));
    add(t, " , and is the seat of %s . The town is known for its %s @-@ era harbour and for the %s , held every "
           "summer since %d . \n \n",
        PICK(rng, ORG), PICK(rng, MISC), PICK(rng, MISC), 1890 + rng_int(rng, 120));
    add(t, " = = History = = \n \n");
    add(t, " The first settlers arrived in %d , when %s %s built a mill on the %s . ", 1400 + rng_int(rng, 400),
        PICK(rng, FIRST), PICK(rng, LAST), river);
    add(t, "By %d the town had ", 1800 + rng_int(rng, 100));
    add_number(t, 300 + rng_int(rng, 5000));
    add(t, " inhabitants and a %s school . ", rng_uniform(rng) < 0.3f ? "<unk>" : "grammar");
    add(t, "In %d %s moved its head office from %s to %s , and the population grew by %d @.@ %d per cent in ten "
           "years . \n \n",
        1900 + rng_int(rng, 100), PICK(rng, ORG), PICK(rng, TOWN), town, 1 + rng_int(rng, 30), rng_int(rng, 10));
    add(t, " = = Economy = = \n \n");
    add(t, " The largest employer is %s , which makes %s for export to %s . ", PICK(rng, ORG),
        rng_uniform(rng) < 0.5f ? "steel pipes" : "farm machines", PICK(rng, COUNTRY));
    add(t, "The mayor , %s %s , said in %d that the town would build a %d @-@ kilometre rail link to %s . ",
        PICK(rng, FIRST), PICK(rng, LAST), 1990 + rng_int(rng, 30), 5 + rng_int(rng, 80), PICK(rng, TOWN));
    add(t, "Its caf\u00e9s sell \u201c %s \u201d bread \u2014 a local speciality . \n \n", PICK(rng, MISC));
}

static void write_wiki(const char *dir, const char *name, int first, int n, Rng *rng) {
    Text t = text_new();
    add(&t, " \n");
    for (int k = first; k < first + n; k++) wiki_article(&t, rng, k);
    save_text(dir, name, &t);
}

// ---- CoNLL-2003 ----------------------------------------------------------------------------------

// A template is a list of items: "word/POS" or an entity slot "<PER>", "<ORG>",
// "<LOC>", "<MISC>", or "<NUM>" (a number, CD).
static const char *const SENTENCES[] = {
    "<PER> said/VBD on/IN Monday/NNP that/IN <ORG> would/MD buy/VB a/DT stake/NN in/IN <ORG> ./.",
    "<ORG> shares/NNS rose/VBD <NUM> percent/NN in/IN <LOC> ./.",
    "<LOC> beat/VBD <LOC> <NUM> -/: <NUM> in/IN the/DT <MISC> final/NN ./.",
    "The/DT <MISC> government/NN appointed/VBD <PER> as/IN minister/NN ./.",
    "<PER> ,/, a/DT spokesman/NN for/IN <ORG> ,/, declined/VBD to/TO comment/VB ./.",
    "Police/NNS in/IN <LOC> arrested/VBD <NUM> people/NNS on/IN Tuesday/NNP ./.",
    "<ORG> reported/VBD a/DT profit/NN of/IN <NUM> million/CD dollars/NNS ./.",
    "<PER> won/VBD the/DT <MISC> in/IN <LOC> ./.",
    "Talks/NNS between/IN <ORG> and/CC <ORG> ended/VBD without/IN agreement/NN ./.",
    "<PER> told/VBD reporters/NNS in/IN <LOC> :/: \"/\" We/PRP will/MD win/VB ./. \"/\"",
    "The/DT <MISC> team/NN arrived/VBD in/IN <LOC> late/RB on/IN Friday/NNP ./.",
    "<LOC> 's/POS exports/NNS to/TO <LOC> fell/VBD sharply/RB ./.",
};

typedef struct {
    const char *word, *pos, *tag;
} Tok;

static void add_entity(Text *t, const char *name, const char *type, const char *pos) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", name);
    int first = 1, after_the = 0;
    for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) {
        // "the" before a name is outside the entity, as CoNLL tags it, but in its chunk
        if (first && !strcmp(w, "the")) {
            add(t, "the DT B-NP O\n");
            after_the = 1;
            continue;
        }
        add(t, "%s %s %s %s-%s\n", w, pos, first && !after_the ? "B-NP" : "I-NP", first ? "B" : "I", type);
        first = 0;
    }
}

static void conll_sentence(Text *t, Rng *rng) {
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s", PICK(rng, SENTENCES));
    char *save = NULL;
    const char *prev_pos = "";
    for (char *item = strtok_r(tmpl, " ", &save); item; item = strtok_r(NULL, " ", &save)) {
        if (!strcmp(item, "<PER>")) {
            char name[64];
            if (rng_uniform(rng) < 0.3f) snprintf(name, sizeof name, "%s", PICK(rng, LAST));
            else snprintf(name, sizeof name, "%s %s", PICK(rng, FIRST), PICK(rng, LAST));
            add_entity(t, name, "PER", "NNP"), prev_pos = "NNP";
        } else if (!strcmp(item, "<ORG>")) add_entity(t, PICK(rng, ORG), "ORG", "NNP"), prev_pos = "NNP";
        else if (!strcmp(item, "<LOC>")) {
            const char *loc = rng_uniform(rng) < 0.7f ? PICK(rng, TOWN) : PICK(rng, COUNTRY);
            add_entity(t, loc, "LOC", "NNP"), prev_pos = "NNP";
        } else if (!strcmp(item, "<MISC>")) add_entity(t, PICK(rng, MISC), "MISC", "JJ"), prev_pos = "JJ";
        else if (!strcmp(item, "<NUM>")) add(t, "%d CD B-NP O\n", 1 + rng_int(rng, 99)), prev_pos = "CD";
        else {
            char *slash = strrchr(item, '/');
            if (!slash || slash == item) DIE("bad template item %s", item);
            *slash = 0;
            const char *pos = slash + 1;
            // chunks: nouns and determiners make noun phrases, verbs verb phrases,
            // prepositions PP; punctuation is outside every chunk
            const char *chunk = "O";
            int nounish = pos[0] == 'N' || !strcmp(pos, "DT") || !strcmp(pos, "PRP") || !strcmp(pos, "CD") ||
                          !strcmp(pos, "JJ") || !strcmp(pos, "POS");
            if (nounish) chunk = (prev_pos[0] == 'N' || !strcmp(prev_pos, "DT") || !strcmp(prev_pos, "JJ")) &&
                                         strcmp(pos, "DT") ? "I-NP" : "B-NP";
            else if (pos[0] == 'V' || !strcmp(pos, "MD") || !strcmp(pos, "TO")) chunk = "B-VP";
            else if (!strcmp(pos, "IN")) chunk = "B-PP";
            else if (!strcmp(pos, "RB")) chunk = "B-ADVP";
            add(t, "%s %s %s O\n", item, pos, chunk);
            prev_pos = pos;
        }
    }
    add(t, "\n");
}

static void write_conll(const char *dir, const char *name, int n_docs, int per_doc, Rng *rng) {
    Text t = text_new();
    for (int d = 0; d < n_docs; d++) {
        add(&t, "-DOCSTART- -X- -X- O\n\n");
        for (int s = 0; s < per_doc; s++) conll_sentence(&t, rng);
    }
    save_text(dir, name, &t);
}

int main(int argc, char **argv) {
    int seed = 1, articles = 60, docs = 40;
    const char *out = "datasets/samples";
    Flag flags[] = {
        {"seed", FLAG_INT, &seed, "random seed"},
        {"articles", FLAG_INT, &articles, "WikiText training articles (valid and test get a tenth each)"},
        {"docs", FLAG_INT, &docs, "CoNLL training documents of 8 sentences (testa and testb a quarter each)"},
        {"out", FLAG_STRING, &out, "the samples directory to write into"},
    };
    cli_parse(argc, argv, flags, COUNT(flags), "gen_text_samples: the WikiText-2 and CoNLL-2003 samples");
    cli_require(articles >= 10 && articles <= 10000 && docs >= 4 && docs <= 10000,
                "--articles must be in 10..10000 and --docs in 4..10000");
    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    char wiki[4096], conll[4096];
    path_join(wiki, sizeof wiki, out, "wikitext-2");
    path_join(conll, sizeof conll, out, "conll2003");
    if (make_dirs(wiki) || make_dirs(conll)) DIE("cannot create the directories under %s", out);
    write_wiki(wiki, "wiki.train.tokens", 0, articles, &rng);
    write_wiki(wiki, "wiki.valid.tokens", articles, articles / 10, &rng);
    write_wiki(wiki, "wiki.test.tokens", articles + articles / 10, articles / 10, &rng);
    write_conll(conll, "eng.train", docs, 8, &rng);
    write_conll(conll, "eng.testa", docs / 4, 8, &rng);
    write_conll(conll, "eng.testb", docs / 4, 8, &rng);
    fprintf(stderr, "wrote %s/ and %s/\n", wiki, conll);
    return 0;
}
