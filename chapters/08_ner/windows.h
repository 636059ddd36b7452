// windows.h: CoNLL words -> the rows of WordPiece ids the encoder reads, and back.
// README section 08.2.
//
// Labels belong to words, the model reads pieces. Each word is tokenized on its own
// (as Hugging Face's is_split_into_words does), and its label goes on its FIRST piece;
// the other pieces are neither trained nor read at prediction:
//
//   words    Johanson   visited   Kaiserslautern
//   pieces   Johan ##son  visited  Kaiser ##sl ##autern
//   label    B-PER  -     O        B-LOC  -     -
//
// A sentence longer than a row (T - 2 pieces between [CLS] and [SEP]) is cut into
// overlapping windows, never truncated: windows start every `stride` pieces, at word
// boundaries, and each word is read in the window where it has the most context on
// both sides (its "home" window). A word is trained and predicted in its home window
// only, so it counts once. A word with no pieces (only characters the tokenizer drops)
// is given [UNK], so that every word of the test set gets a prediction.
//
// Document context (optional, `context` > 0): a sentence that fits in one row is read
// with its neighbours. The row is filled, up to `context` tokens, with the pieces of the
// sentences before and after it IN THE SAME DOCUMENT (-DOCSTART- to -DOCSTART-), half
// on each side, cut at word boundaries; what one side cannot use (its document ends, or
// its next word does not fit) goes to the other, once. A file with neither -DOCSTART-
// lines nor documents found otherwise (documents.h) gets no context: nothing says where
// its documents end.
//
//   row   [CLS] ...end of the previous sentence | the sentence | start of the next... [SEP]
//   word   -1    -1 ...                            homes          -1 ...
//
// The context's words have no home in this row (they are trained and predicted in their
// own sentence's row), so every word still counts once. It is the "maximal document
// context" of Devlin et al. (2019, section 5.3) and FLERT (Schweter & Akbik 2020): a
// news article names "Jordan" in full once and then refers to him by surname; the
// sentence alone cannot tell the person from the country. The neighbouring sentences
// are unlabelled text that is there at test time too, so reading them is legitimate.
#ifndef CH08_WINDOWS_H
#define CH08_WINDOWS_H

#include "chapters/07_bert/conll.h"
#include "chapters/07_bert/wordpiece.h"
#include "common/rng.h"

typedef struct {
    int n_rows, T;
    int *ids;         // (n_rows, T): [CLS] pieces [SEP] [PAD] ...
    int *length;      // (n_rows): [CLS] and [SEP] included
    int *word;        // (n_rows, T): the word (index into the ConllSet) whose first piece
                      //   is here, in its home window; -1 elsewhere
    int *row_sent;    // (n_rows): the sentence of each row
    int *lead;        // (n_rows): context pieces between [CLS] and the sentence's own
    int *own;         // (n_rows): the sentence's own pieces in the row (they follow lead);
                      //   lead and own are for checks and analysis: training reads `word`
    unsigned char *first;  // (n_rows, T): 1 at the first piece of every word in the row
                      //   (home or not, context too), 0 elsewhere: where words begin
    int n_words;      // words of the set (every one has exactly one home position)
    long pieces;      // pieces in all, windows' overlaps not counted twice
    int split_sents;  // sentences that needed more than one window
    int empty_words;  // words that tokenized to nothing and were given [UNK]
    long context_pieces;  // context pieces in all rows
} NerRows;

// All sentences of set into rows of T tokens (T >= 8); stride in pieces (0: half a
// row); context: tokens a row is filled to with document context ([CLS] and [SEP]
// included, at most T; 0: none). Never fails: a word longer than a whole row is cut
// after its first T - 2 pieces.
void nerrows_build(NerRows *r, const ConllSet *set, const WordPiece *wp, int T, int stride, int context);
void nerrows_free(NerRows *r);

// Per-token training targets: labels[row * T + t] = word_labels[word] at each home
// first piece, -1 (ignored) elsewhere.
void nerrows_token_labels(const NerRows *r, const int *word_labels, int *labels);

// Whole-word masking while fine-tuning (`--word-mask P`, README 08.4): in the rows
// idx[0..n) as gather cut them (n rows of L ids), every word of a row, its pieces
// together, becomes [MASK] with probability p, drawn from rng in row order. [CLS],
// [SEP] and [PAD] are never masked; the labels are not touched, so a masked name must
// be tagged from its context. p <= 0 draws nothing and leaves ids as they are.
void nerrows_mask_words(const NerRows *r, const int *idx, int n, int L, int *ids, float p, int mask_id, Rng *rng);

#endif
