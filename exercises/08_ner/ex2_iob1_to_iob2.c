// Exercise 08.2 (*): IOB1 tags to IOB2.
// Read chapters/08_ner/README.md, section 08.1 "Tags and their schemes".
// `make exercise EX=08.2` checks adjacent entities, type changes and sentence starts.

// One sentence's tags as a prefix and a type each: prefix[i] is 'O', 'I' or 'B', type[i]
// an entity type id (ignored where prefix is 'O'). In IOB1 an entity starts with I-
// unless it directly follows an entity of the same type, where it starts with B-.
// Rewrite prefix[] in place as IOB2: every entity's first word 'B', the others 'I'.
// (An I- starts an entity when the word before it is O, or is of another type, or
// when it is the first word of the sentence.)
void ex_iob1_to_iob2(char *prefix, const int *type, int n) {
    (void)prefix, (void)type, (void)n;
    // TODO(08.2): one pass, remembering the previous word's prefix and type
}
