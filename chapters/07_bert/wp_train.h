// wp_train.h: learning a WordPiece vocabulary from a corpus. README section 07.3.
//
// Start from characters and merge the best adjacent pair, again and again, until the
// vocabulary has the size asked for. Words are split by the basic tokenizer first, so
// pieces never cross a space or a punctuation mark; a piece that does not start a word
// carries the prefix "##" ("playing" = play ##ing). Which pair is "best" is where the
// two published trainers differ:
//
//   frequency (Hugging Face's WordPieceTrainer, which is its BPE trainer with "##"):
//       score(a, b) = count(ab)                                                    (7.1)
//   likelihood (Google's WordPiece, Schuster & Nakajima 2012; HF's course):
//       score(a, b) = count(ab) / (count(a) * count(b))                            (7.2)
//     Merging a and b into one token changes the corpus log-likelihood under a
//     unigram model of the tokens by about count(ab) * log(p(ab) / (p(a) p(b))):
//     (7.2) is the ratio inside that log. It prefers pairs whose parts rarely occur
//     apart ("##q" "##u"), where (7.1) prefers pairs that are merely frequent ("e" "##s").
//
// The vocabulary: [PAD] [UNK] [CLS] [SEP] [MASK] (ids 0-4), then every character of
// the alphabet as a word start ("a") and, unless it is punctuation or a CJK ideograph
// (always a word of its own), as a continuation ("##a"), then the merges in the order
// they were made. (HF's trainer adds only the continuations that occur in the corpus;
// this one adds them all, so that any word spelled in the alphabet can be tokenized.)
// The alphabet is the max_alphabet most frequent characters; words with any other
// character are left out of training (they tokenize to [UNK]).
#ifndef CH07_WP_TRAIN_H
#define CH07_WP_TRAIN_H

#include <stddef.h>

#include "chapters/03_imdb_sentiment/vocab.h"
#include "chapters/07_bert/wordpiece.h"

typedef enum { WP_SCORE_FREQUENCY, WP_SCORE_LIKELIHOOD } WpScore;

typedef struct {
    int vocab_size;       // entries in all, specials included (8192)
    int max_alphabet;     // characters kept (1000, HF's limit_alphabet)
    long min_pair_count;  // a pair seen fewer times is never merged (2; at least 1)
    WpScore score;
    int lowercase;        // the vocabulary is uncased (count words lower-cased, too)
} WpTrainOpts;

typedef struct {
    int alphabet, merges, words, words_dropped;   // words: distinct words trained on
    long pairs_scanned;                           // work done finding the best pairs
} WpTrainStats;

// Counts the words of text (basic tokenization with bt's casing; special-token names
// written in the text are skipped) into counter (chapter 03's Vocab: word -> count).
void wp_count_words(Vocab *counter, BasicTokenizer *bt, const char *text, size_t len);

// Trains a vocabulary on the counted words. Returns 0 with *out ready to tokenize, or
// -1 with err (e.g. vocab_size too small for the specials and the alphabet).
int wp_train(const Vocab *counter, const WpTrainOpts *o, WordPiece *out, WpTrainStats *stats, char *err,
             size_t err_len);

#endif
