// errors.c: the classes of errors.h, by overlaps of [start, end) spans.
#include "chapters/08_ner/errors.h"

#include <string.h>

const char *const ner_err_kind_name[NER_KINDS] = {"correct", "type", "span", "span+type", "missed", "spurious"};

static int overlap(const Entity *a, const Entity *b) { return a->start < b->end && b->start < a->end; }

int ner_errors_add(NerErrors *e, const NerScore *s, char *const *gold, char *const *pred, int n, Entity *gold_ent,
                   Entity *pred_ent, NerErr *out) {
    int ng = ner_entities(s, gold, n, gold_ent), np = ner_entities(s, pred, n, pred_ent), n_out = 0;
    for (int g = 0; g < ng; g++) {
        const Entity *ge = &gold_ent[g];
        int same_span = -1, same_type_overlap = -1, any_overlap = -1;
        for (int p = 0; p < np; p++) {
            const Entity *pe = &pred_ent[p];
            if (!overlap(ge, pe)) continue;
            if (any_overlap < 0) any_overlap = p;
            if (pe->start == ge->start && pe->end == ge->end) same_span = p;
            else if (pe->type == ge->type && same_type_overlap < 0) same_type_overlap = p;
        }
        NerErr r = {NER_MISSED, g, -1};
        if (same_span >= 0) r.kind = pred_ent[same_span].type == ge->type ? NER_CORRECT : NER_TYPE, r.pred = same_span;
        else if (same_type_overlap >= 0) r.kind = NER_SPAN, r.pred = same_type_overlap;
        else if (any_overlap >= 0) r.kind = NER_SPAN_TYPE, r.pred = any_overlap;
        if (ge->type >= 0) {   // a type the scorer does not know is not counted
            e->kind[ge->type][r.kind]++;
            if (r.kind == NER_TYPE && pred_ent[r.pred].type >= 0) e->wrong_type[ge->type][pred_ent[r.pred].type]++;
        }
        if (r.kind != NER_CORRECT) out[n_out++] = r;
    }
    for (int p = 0; p < np; p++) {
        int hit = 0;
        for (int g = 0; g < ng && !hit; g++) hit = overlap(&gold_ent[g], &pred_ent[p]);
        if (hit) continue;
        if (pred_ent[p].type >= 0) e->kind[pred_ent[p].type][NER_SPURIOUS]++;
        out[n_out++] = (NerErr){NER_SPURIOUS, -1, p};
    }
    return n_out;
}

void ner_errors_print(const NerErrors *e, const NerScore *s, FILE *out) {
    long total[NER_KINDS] = {0};
    fprintf(out, "%-6s", "type");
    for (int k = 0; k < NER_KINDS; k++) fprintf(out, " %10s", ner_err_kind_name[k]);
    fprintf(out, "\n");
    for (int t = 0; t < s->n_types; t++) {
        fprintf(out, "%-6s", s->type[t]);
        for (int k = 0; k < NER_KINDS; k++) fprintf(out, " %10ld", e->kind[t][k]), total[k] += e->kind[t][k];
        fprintf(out, "\n");
    }
    fprintf(out, "%-6s", "all");
    for (int k = 0; k < NER_KINDS; k++) fprintf(out, " %10ld", total[k]);
    fprintf(out, "\n\"type\" errors, gold (rows) read as predicted (columns):\n%-6s", "");
    for (int q = 0; q < s->n_types; q++) fprintf(out, " %6s", s->type[q]);
    fprintf(out, "\n");
    for (int t = 0; t < s->n_types; t++) {
        fprintf(out, "%-6s", s->type[t]);
        for (int q = 0; q < s->n_types; q++) fprintf(out, " %6ld", e->wrong_type[t][q]);
        fprintf(out, "\n");
    }
}
