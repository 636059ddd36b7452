// mlm.h: the masked-language-model task (Devlin et al. 2019, section 3.1). README
// section 07.6 "Masking".
//
// In each sequence, 15% of the tokens that may be predicted (not [CLS], [SEP], [PAD],
// and never [UNK]: its "word" is unknown, so there is nothing to learn) are chosen,
// round(0.15 * n) of them as in Google's create_pretraining_data.py. Each chosen token
// becomes a prediction target, and its input is replaced:
//   80%  by [MASK]
//   10%  by a random token (any id but the five specials)
//   10%  left unchanged
// The model cannot tell which inputs were changed, so it must keep a good
// representation of every token, not only of [MASK]; and [MASK], which fine-tuning
// never shows, is not the only place where it learns to predict.
//
// Whole-word masking (Google's later release): choose whole words, a token and the
// "##" pieces after it, so that "em ##bed ##ding" is hidden together and the model
// cannot guess "##ding" from "em ##bed".
//
// Called with the training generator for every batch, the masks are new each time a
// sequence is seen ("dynamic masking", RoBERTa); evaluation uses a fixed seed, so
// every evaluation asks the same questions.
#ifndef CH07_MLM_H
#define CH07_MLM_H

#include "chapters/07_bert/wordpiece.h"
#include "common/rng.h"

typedef struct {
    float mask_prob;   // 0.15
    int whole_word;
} MaskOpts;

typedef struct {
    long chosen, to_mask, to_random, kept;
} MaskStats;

// Most targets mlm_mask can choose in a batch of B sequences of T tokens.
int mlm_max_targets(int B, int T, float mask_prob);

// ids (B,T) -> input (B,T), the corrupted copy the model sees; positions (M) flat
// indices into the B*T grid, ascending; targets (M) the original ids there. Returns
// M. stats may be NULL (else it is added to).
int mlm_mask(const WordPiece *wp, const int *ids, int *input, int B, int T, const MaskOpts *o, Rng *rng,
             int *positions, int *targets, MaskStats *stats);

#endif
