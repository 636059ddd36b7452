// Exercise 08.1 (*): word labels onto WordPiece pieces.
// Read chapters/08_ner/README.md, section 08.2 "Words and pieces".
// `make exercise EX=08.1` checks a sentence with one-piece and many-piece words.

// A sentence of n_words words; word i was split into n_pieces[i] >= 1 pieces. The row
// the model reads is [CLS], the pieces of word 0, of word 1, ..., [SEP]. Write into
// piece_labels (one per row position, 2 + sum of n_pieces) the word's label at the
// FIRST piece of each word and -1 (not trained, not read) everywhere else, [CLS] and
// [SEP] included. Return the row length.
int ex_align_labels(const int *n_pieces, const int *word_labels, int n_words, int *piece_labels) {
    (void)n_pieces, (void)word_labels, (void)n_words, (void)piece_labels;
    // TODO(08.1): walk the words, keeping the position of the next piece
    return 0;
}
