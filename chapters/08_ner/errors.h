// errors.h: what kind of mistake each wrong entity is. README section 08.8.
//
// conlleval says only "right" or "wrong". For an error analysis each gold entity g of
// a sentence is put in the first class that fits it:
//   correct      a predicted entity has g's span and type
//   type         a predicted entity has g's span and another type    "[ORG Tovia]" for [LOC Tovia]
//   span         a predicted entity of g's type overlaps g, with other ends
//                                                                     "[PER Lind]" for [PER Oskar Lind]
//   span+type    predicted entities overlap g, none of g's type
//   missed       no predicted entity overlaps g
// and each predicted entity that overlaps no gold entity is
//   spurious     a name where there is none.
// So gold entities = correct + type + span + span+type + missed (conlleval's recall is
// correct / that), and conlleval's predicted entities = correct + type + spurious + the
// predictions that overlap a gold entity with other ends.
#ifndef CH08_ERRORS_H
#define CH08_ERRORS_H

#include <stdio.h>

#include "chapters/08_ner/conlleval.h"

typedef enum { NER_CORRECT, NER_TYPE, NER_SPAN, NER_SPAN_TYPE, NER_MISSED, NER_SPURIOUS, NER_KINDS } NerErrKind;

extern const char *const ner_err_kind_name[NER_KINDS];   // "correct", "type", ...

typedef struct {
    NerErrKind kind;
    int gold, pred;            // indices into the sentence's entities; -1: none (missed, spurious)
} NerErr;

typedef struct {
    long kind[TAG_MAX_TYPES][NER_KINDS];   // by the gold type (spurious: the predicted type)
    long wrong_type[TAG_MAX_TYPES][TAG_MAX_TYPES];   // [gold][pred] for the "type" errors
} NerErrors;

// One sentence of n words, gold and predicted tags (any scheme conlleval reads):
// the entities go into gold_ent and pred_ent (room for n each, as ner_entities), the
// error of each gold entity that is not correct, then each spurious prediction, into
// out (room for 2n); returns how many. Counts everything (correct included) into e.
int ner_errors_add(NerErrors *e, const NerScore *s, char *const *gold, char *const *pred, int n, Entity *gold_ent,
                   Entity *pred_ent, NerErr *out);

// The table: one row per type, the count of each kind; then the type confusions.
void ner_errors_print(const NerErrors *e, const NerScore *s, FILE *out);

#endif
