// tagger.h: BERT for token classification: chapter 07's encoder, dropout, and one
// linear layer from each word's first piece to the K tag labels. README section 08.3.
//
//   h = encoder(ids)[p]               (M,H)  the hidden state at each word's home piece
//   logits = dropout(h) W^T + b       (M,K)  W = classifier.weight (K,H), b (K)
//   loss = mean cross-entropy against the words' labels
//
// Only the M home pieces go through the classifier (as only the masked pieces went
// through chapter 07's MLM head). The tensors carry Hugging Face's
// BertForTokenClassification names: "bert." for the encoder, "classifier." here.
#ifndef CH08_TAGGER_H
#define CH08_TAGGER_H

#include "chapters/07_bert/bert.h"
#include "chapters/08_ner/crf.h"

typedef struct {
    Bert bert;                 // first; its MLM head is unused (and not saved)
    Tensor cls_w, cls_b;       // (K,H), (K)
    int n_labels;
    float head_dropout;        // BERT's hidden_dropout_prob, 0.1
    int use_crf;               // a CRF over each row's words replaces the per-word softmax
    Crf crf;
    TensorList params;         // the encoder's tensors, then the classifier's
    TensorList head;           // the classifier's only (a frozen encoder trains these)
} Tagger;

// The classifier on top of tg->bert, which the caller has created (bert_create) or
// loaded (bert_load_dir) in place: a Bert cannot be copied elsewhere, its TensorLists
// point into it. W is drawn from N(0, 0.02^2) as Hugging Face initialises it, b = 0.
void tagger_init(Tagger *tg, int n_labels, Rng *rng);
void tagger_free(Tagger *tg);

// A linear-chain CRF on the classifier's scores (crf.h): the loss becomes the mean over
// the words of each row's -log p(gold sequence), prediction becomes Viterbi. Its three
// tensors join params and head. The chain runs over a row's words: a sentence cut into
// windows (11 of the 20,744 sentences of CoNLL-2003, with T = 128) is two chains.
void tagger_add_crf(Tagger *tg);

typedef struct {
    BertCache enc;
    int B, T, M;               // capacity
    int n_pos;                 // the last forward's labelled places
    int *positions;            // (n_pos) flat indices into the (B,T) grid
    int *targets;              // (n_pos)
    int *pred;                 // (n_pos) the arg-max label at each
    float *h, *h_mask, *logits, *probs, *d_logits, *d_h, *d_hidden;
} TaggerCache;

void tagger_cache_alloc(TaggerCache *c, const Tagger *tg, int B, int T);
void tagger_cache_free(TaggerCache *c, const Tagger *tg);

// ids (B,T), lengths (B), labels (B,T) (-1 where nothing is trained or read: the
// non-first pieces, [CLS], [SEP], padding, a word away from its home window).
// Fills c->positions/targets with the labelled places (M of them, returned in *M),
// computes c->pred (M): the arg-max label, or with a CRF the Viterbi path of each row;
// and returns the mean loss per word: cross-entropy (c->probs (M,K) then holds the
// softmax), or the CRF's -log p(gold) summed over the rows and divided by M (0 if
// M = 0). rng NULL: evaluation (no dropout; with a CRF only the Viterbi paths, the loss
// is returned as 0). *n_correct may be NULL.
float tagger_forward(const Tagger *tg, TaggerCache *c, const int *ids, const int *lengths, const int *labels,
                     Rng *rng, int B, int T, int *M, int *n_correct);

// After tagger_forward: gradients of the mean loss, accumulated (+=) into the
// classifier's and (unless freeze_encoder) the encoder's .grad.
void tagger_backward(Tagger *tg, TaggerCache *c, const int *ids, int B, int T, int freeze_encoder);

#endif
