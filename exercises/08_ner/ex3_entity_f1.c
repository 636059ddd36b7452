// Exercise 08.3 (**): entity-level F1 as conlleval computes it.
// Read chapters/08_ner/README.md, section 08.5 "Scoring as conlleval does".
// `make exercise EX=08.3` checks exact spans, wrong types and invalid predictions.

// Two tag sequences of one sentence, each word a prefix ('O', 'B' or 'I') and a type id.
// Find the entities of each as conlleval does: an entity starts at a 'B', or at an 'I'
// after 'O' or after a word of another type; it ends before the next word that starts
// an entity or is 'O'. Count gold entities, predicted entities, and correct ones (the
// same first word, last word and type). Return F1 in percent (0 when precision and
// recall are both 0), and the three counts through the pointers. n <= 64.
double ex_entity_f1(const char *gold_prefix, const int *gold_type, const char *pred_prefix, const int *pred_type,
                    int n, int *n_gold, int *n_pred, int *n_correct) {
    (void)gold_prefix, (void)gold_type, (void)pred_prefix, (void)pred_type, (void)n;
    *n_gold = *n_pred = *n_correct = 0;
    // TODO(08.3): list the entities (start, end, type) of each sequence, then match
    return 0;
}
