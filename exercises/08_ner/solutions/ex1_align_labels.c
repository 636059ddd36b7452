// Exercise 08.1, a solution.
int ex_align_labels(const int *n_pieces, const int *word_labels, int n_words, int *piece_labels) {
    int at = 0;
    piece_labels[at++] = -1;   // [CLS]
    for (int i = 0; i < n_words; i++) {
        piece_labels[at++] = word_labels[i];   // the first piece carries the word's label
        for (int k = 1; k < n_pieces[i]; k++) piece_labels[at++] = -1;
    }
    piece_labels[at++] = -1;   // [SEP]
    return at;
}
