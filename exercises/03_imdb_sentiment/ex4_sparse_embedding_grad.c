// Exercise 03.4 (**): the embedding's gradient in sparse form.
// Read chapters/03_imdb_sentiment/README.md, sections 03.2 (eq. 03.2) and 03.4, first.
// `make exercise EX=03.4` compares your rows and gradients with a dense scatter-add.

// ids (N) index a table of V rows; d_out (N,D) is dL/d(out) of the lookup out[i] = table[ids[i]].
// Instead of a (V,D) gradient, write the U distinct ids, in the order they first appear,
// into rows (U), and their gradients into d_rows (U,D): d_rows[k] = sum of d_out[i] over
// the i with ids[i] == rows[k]. slot_of (V) is scratch you may use; it comes filled with
// -1 and must be all -1 again when you return. Return U.
int ex_sparse_embedding_grad(int *rows, float *d_rows, const float *d_out, const int *ids, int N, int D, int *slot_of) {
    (void)rows, (void)d_rows, (void)d_out, (void)ids, (void)N, (void)D, (void)slot_of;
    // TODO(03.4): give each new id the next slot (slot_of[id] = U; rows[U++] = id), then
    // add d_out[i] into d_rows[slot_of[ids[i]]]. Zero d_rows first. Reset slot_of at the end.
    return 0;
}
