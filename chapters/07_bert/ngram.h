// ngram.h: a counting baseline for the masked-token question. README section 07.9.
//
// Guess a masked token from its two neighbours only, by counting the training corpus:
//   1. the token seen most often between this left and this right neighbour;
//   2. if that pair was never seen: the token seen most often after the left one;
//   3. else the most frequent token.
// No learning, no weights, one pass of counting. A BERT that does not beat it has not
// learnt to read its neighbours, which is the first thing its attention heads should
// find. (The neighbours are read from the original sequence, even where the question
// masked them too: a small advantage for the baseline.)
#ifndef CH07_NGRAM_H
#define CH07_NGRAM_H

#include "chapters/07_bert/pretrain.h"

typedef struct {
    double accuracy;
    long targets, by_pair, by_left, by_unigram;   // how each guess was made
} NgramResult;

// seqs (n, T): the packed training sequences; held: the held-out questions, whose
// original sequences are held_seqs (held->n, held->T).
NgramResult ngram_baseline(const int *seqs, int n, int T, int vocab, const EvalSet *held, const int *held_seqs);

#endif
