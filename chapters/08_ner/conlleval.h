// conlleval.h: entity-level precision, recall and F1 as the CoNLL-2003 shared task's
// conlleval script computes them. README section 08.5.
//
// An entity (a "chunk") is a run of words of one type that the tags mark as one
// ("B-PER B-PER" is two). conlleval reads each sequence of tags left to right; a chunk
// starts at a word when
//   its tag is B- or S-, or
//   it is I- or E- after O, after E-/S-, or after a word of another type,
// and ends before the next word that starts a chunk or is O. So "O I-PER I-PER" is one
// PER entity (conlleval does not reject invalid IOB2), and "B-PER I-LOC" is two.
// A predicted entity counts as correct only if a gold entity has exactly its first
// word, its last word and its type:
//   precision = correct / predicted entities,  recall = correct / gold entities,
//   F1 = 2 P R / (P + R)
// overall and per type. Token accuracy is the share of words whose whole tag is right
// (O words included, which is why it is always high and says little). Sentence ends
// close every open chunk.
#ifndef CH08_CONLLEVAL_H
#define CH08_CONLLEVAL_H

#include <stdio.h>

#include "chapters/08_ner/tags.h"

typedef struct {
    int start, end;   // words [start, end)
    int type;         // index into the scorer's types
} Entity;

typedef struct {
    int n_types;
    char type[TAG_MAX_TYPES][TAG_TYPE_LEN];
    long gold[TAG_MAX_TYPES], pred[TAG_MAX_TYPES], correct[TAG_MAX_TYPES];
    long tokens, tokens_right;
    // confusion by word: row = gold type (0 = O, k + 1 = type k), column = predicted
    long confusion[TAG_MAX_TYPES + 1][TAG_MAX_TYPES + 1];
} NerScore;

typedef struct {
    double precision, recall, f1;   // in percent, as conlleval prints them
    long gold, pred, correct;
} Prf;

// The types to report (from the data's TagSet, so that a type never predicted still
// gets its row).
void nerscore_init(NerScore *s, const TagSet *ts);

// The chunks of one sentence's IOB2 (or any) tags, by the rules above. out needs room
// for n entities; returns how many. A type the scorer does not know gets type -1.
int ner_entities(const NerScore *s, char *const *tags, int n, Entity *out);

// Adds one sentence (n words): gold and predicted tag strings. A type the scorer does
// not know counts as O in the confusion table.
void nerscore_add(NerScore *s, char *const *gold, char *const *pred, int n);

// Overall (type = -1) or one type's numbers. P, R, F1 are 0 when undefined (no
// predictions, no gold entities), as conlleval prints them.
Prf nerscore_prf(const NerScore *s, int type);

// Token accuracy in percent.
double nerscore_accuracy(const NerScore *s);

// conlleval's report: the totals line, then one line per type; and the confusion
// table below it.
void nerscore_print(const NerScore *s, FILE *out);

#endif
