// corpus.h: the pre-training text, as documents. README section 07.4 "The corpus".
//
//   WikiText-2 (Merity et al. 2016), the "tokenized" variant wiki.{train,valid}.tokens:
//     one paragraph per line, headings as " = Title = " (top level) or " = = Section
//     = = ", and the tokenization undone here: " @-@ " -> "-", " @,@ " -> ",",
//     " @.@ " -> "." ("1 @,@ 000" -> "1,000"), and <unk> (a word outside the 33k-word
//     vocabulary of the original release) -> [UNK], which the tokenizer keeps whole and
//     the masking never asks the model to predict. An article (a top-level heading and
//     what follows) is one document; heading lines themselves are dropped.
//   IMDB reviews (chapter 03's loader), train/pos, train/neg and train/unsup: one
//     review, one document; "<br />" becomes a space.
//   CoNLL-2003 training sentences (conll.h), words joined by spaces, one document per
//     -DOCSTART- section (the whole file when there is none). Never the dev or test
//     files: chapter 08 evaluates on them.
// Each loader checks that its files exist, are not empty and are valid UTF-8, and
// reports "path[:line]: what is wrong" in err.
#ifndef CH07_CORPUS_H
#define CH07_CORPUS_H

#include <stddef.h>
#include <stdio.h>

#include "chapters/07_bert/wordpiece.h"

typedef struct {
    char **text;      // (n) NUL-terminated documents
    size_t *len;      // (n) their lengths in bytes
    int n, cap;
    size_t bytes;     // sum of len
} DocList;

void doclist_add(DocList *d, const char *text, size_t len);   // copies text
void doclist_free(DocList *d);

// Each appends documents to docs; returns 0, or -1 with err (docs unchanged on error).
int corpus_wikitext(DocList *docs, const char *path, char *err, size_t err_len);
int corpus_imdb(DocList *docs, const char *aclimdb_root, int with_unsup, int max_reviews, char *err, size_t err_len);
int corpus_conll(DocList *docs, const char *path, char *err, size_t err_len);

// "1 @,@ 000 km @-@ long" -> "1,000 km-long", "<unk>" -> "[UNK]" for one line of
// WikiText; writes into out (room for len + 1 bytes: the result is never longer,
// "<unk>" and "[UNK]" being the same length), returns the new length.
size_t wikitext_detokenize(char *out, const char *line, size_t len);

// Tokenizes every document and concatenates the ids, with [SEP] after each document.
void corpus_encode(const DocList *docs, const WordPiece *wp, IdList *stream, WpStats *stats);

// Cuts the stream into sequences of exactly T tokens: [CLS] + T-2 stream tokens +
// [SEP] (the documents inside keep their own [SEP] separators; RoBERTa's
// "FULL-SENTENCES" packing, no padding). Returns the number of sequences written to
// *out (malloc'd, n*T ints); the stream's last partial piece is dropped.
int corpus_pack(const IdList *stream, const WordPiece *wp, int T, int **out);

// corpus_encode then corpus_pack; if log is not NULL, prints one line about it ("what:
// N tokens from W words (x per word), U unknown words, S MB/s -> n sequences of T").
int corpus_encode_pack(const DocList *docs, const WordPiece *wp, int T, int **out, const char *what, FILE *log);

// Mixing the sources (README 07.4, "How much of each source"). Documents
// [previous end, end) of docs are one source; each source is encoded and packed on its
// own (so that a sequence never straddles two of them), and its sequences appear
// `copies` times (>= 0) in the result, sources in order. When every source has one
// copy, the documents are packed as one stream, exactly as corpus_encode_pack does
// (the runs measured before mixing existed stay reproducible); a source with 0 copies
// is not even tokenized. The ends must not decrease and the last must be docs->n (a
// violation is a bug in the caller: the program stops). Returns the number of
// sequences; log as corpus_encode_pack, one line per source, one per repeated or left
// out source.
typedef struct {
    const char *name;
    int end, copies;
} CorpusSource;
int corpus_pack_mixture(const DocList *docs, const CorpusSource *sources, int n_sources, const WordPiece *wp, int T,
                        int **out, FILE *log);

#endif
