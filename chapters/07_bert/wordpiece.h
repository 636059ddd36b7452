// wordpiece.h: text -> WordPiece ids, exactly as Hugging Face's BertTokenizer does it
// with the same vocab.txt. README section 07.2 "The BERT tokenizer".
//
// Two stages (Devlin et al. 2019, and Google's tokenization.py that HF follows):
//   1. basic tokenization, character by character (unicode.h):
//        - special tokens written in the text ("[MASK]", "[SEP]", ...: the five, which
//          every vocabulary here has) are found first and kept whole;
//        - clean: drop NUL, U+FFFD and control characters; every whitespace -> " ";
//        - put spaces around CJK ideographs (each becomes a word of its own);
//        - split on whitespace; for an uncased vocabulary lower-case each piece and
//          strip accents (NFD, then drop the non-spacing marks Mn);
//        - split off every punctuation character as a word of its own:
//          "Hello, world!" -> Hello | , | world | !
//   2. WordPiece on each word: greedy longest-match-first. Take the longest prefix of
//      the word that is in the vocabulary, then the longest next piece written with
//      the continuation prefix "##", and so on:
//          "unaffable" -> un | ##aff | ##able
//      A word that cannot be covered this way, or that is longer than 100 characters,
//      becomes one [UNK] (the whole word, not just the piece that failed).
//
// HF's two implementations (the Python "slow" BertTokenizer and the Rust "fast" one of
// the tokenizers library) differ in one step: the slow one applies Unicode NFC first.
// This one does not, as the fast one; on NFC text, which all of IMDB, CoNLL-2003 and
// WikiText-2 is, they agree. README 07.2 reports the check against the fast one on
// every line of those files.
#ifndef CH07_WORDPIECE_H
#define CH07_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

#include "chapters/03_imdb_sentiment/vocab.h"

#define WP_MAX_WORD_CHARS 100   // HF's max_input_chars_per_word

// The five special tokens: ids are their lines in vocab.txt (0-4 in the vocabularies
// this chapter trains; elsewhere in bert-base-cased's, for example).
enum { WP_PAD, WP_UNK, WP_CLS, WP_SEP, WP_MASK, WP_N_SPECIAL };
extern const char *const wp_special_names[WP_N_SPECIAL];   // "[PAD]", "[UNK]", ...

typedef struct {
    Vocab vocab;                // chapter 03's string table: token -> id, id = line
    int special[WP_N_SPECIAL];  // id of each special token
    int lowercase;              // uncased vocabulary: lower-case ...
    int strip_accents;          // ... and strip accents (HF: follows lowercase)
} WordPiece;

// Reads vocab.txt (one token per line, id = line number, UTF-8, no empty lines, no
// duplicates, all five special tokens present). Returns 0, or -1 with
// "path:line: what" in err.
int wordpiece_load(WordPiece *wp, const char *path, int lowercase, char *err, size_t err_len);
// An in-memory vocabulary from n token strings (id = index). Same checks as loading.
int wordpiece_from_tokens(WordPiece *wp, const char *const *tokens, int n, int lowercase, char *err, size_t err_len);
// Writes vocab.txt: one token per line. Atomic. Returns 0, or -1 with err.
int wordpiece_save(const WordPiece *wp, const char *path, char *err, size_t err_len);
void wordpiece_free(WordPiece *wp);
static inline int wordpiece_size(const WordPiece *wp) { return wp->vocab.n; }
static inline const char *wordpiece_token(const WordPiece *wp, int id) { return vocab_word(&wp->vocab, id); }
// 1 if the token continues a word ("##ing"): whole-word masking groups by it.
int wordpiece_is_continuation(const WordPiece *wp, int id);

// ---- stage 1 ---------------------------------------------------------------------------------

// Receives each word of the basic tokenizer: UTF-8 bytes (not NUL-terminated), byte
// length and length in characters.
typedef void (*WordFn)(void *ctx, const char *word, int n_bytes, int n_chars);

typedef struct {
    int lowercase, strip_accents;
    long invalid_bytes;   // bytes that were not valid UTF-8 (read as U+FFFD, dropped)
    // scratch, grown as needed
    uint32_t *cps, *cps2;
    int cps_cap, cps2_cap;
    char *word;
    int word_cap;
} BasicTokenizer;

// A run of more characters than this with no whitespace stops the program with a clear
// message (it could only ever be one [UNK] or a file that is not text).
#define BASIC_MAX_PIECE (1 << 26)

void basic_init(BasicTokenizer *bt, int lowercase, int strip_accents);
void basic_free(BasicTokenizer *bt);
// Splits text (len bytes, need not be NUL-terminated) into words, calling fn for each.
// Special tokens are NOT looked for here (wordpiece_encode does that).
void basic_tokenize(BasicTokenizer *bt, const char *text, size_t len, WordFn fn, void *ctx);

// ---- stage 2 and the whole pipeline -------------------------------------------------------------

typedef struct {
    int *ids;
    long n, cap;
} IdList;

void idlist_push(IdList *l, int id);
void idlist_free(IdList *l);

typedef struct {
    long words, unk_words, long_words;   // words seen, words -> [UNK], of them > 100 chars
    long invalid_bytes;
} WpStats;

// If one of the five special token names starts at text[i], its length in bytes, with
// *which set to its WP_ index; else 0. (The vocabulary's ids are not needed.)
int special_token_at(const char *text, size_t len, size_t i, int *which);

// WordPiece pieces of one word (stage 2 only), appended to out; returns how many
// (1 for [UNK]). The word must be valid UTF-8 of n_chars characters, as the basic
// tokenizer produces them (the piece boundaries are read off the lead bytes).
int wordpiece_word(const WordPiece *wp, const char *word, int n_bytes, int n_chars, IdList *out, WpStats *stats);
// The whole pipeline: special tokens, then stages 1 and 2. Appends the ids of text to
// out (no [CLS]/[SEP]); returns how many. stats may be NULL.
long wordpiece_encode(const WordPiece *wp, const char *text, size_t len, IdList *out, WpStats *stats);

#endif
