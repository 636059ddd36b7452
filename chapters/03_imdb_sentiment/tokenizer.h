// tokenizer.h: from review text to a stream of tokens. Every rule is explained in
// chapters/03_imdb_sentiment/README.md, section 03.1 "Tokens"; in short:
//
//   1. `<br />` (also `<br/>`, `<br>`, any case) is a line break the site left in
//      the text: it becomes a space.
//   2. ASCII letters are lower-cased ("Great" and "great" are one word); digits are
//      word characters ("10/10" -> "10" "/" "10").
//   3. A word is a run of word characters. An apostrophe between two word characters
//      belongs to the word ("don't", "it's" stay whole: negation matters here);
//      anywhere else it is a quote mark and is dropped. The typographic apostrophes
//      U+2019 and U+00B4 count as "'".
//   4. Every other ASCII punctuation character is a token of its own ("!" and "?"
//      carry sentiment; "!!!" is three "!").
//   5. Non-ASCII text: every code point from U+00C0 up is a word character, except
//      the General Punctuation block U+2000..U+206F (dashes, curly quotes, ellipsis,
//      odd spaces), which separates words. That is letters of any script ("café",
//      "Amélie", CJK) but also symbols and emoji (× ÷ ™ € 😀): telling them apart
//      needs Unicode tables. Kept as they are (no Unicode case folding, for the same
//      reason; these characters are rare here). The C1 controls and Latin-1 signs
//      (U+0080..U+00BF) separate words. A byte that is not valid UTF-8 is read as
//      U+FFFD (a word character), exactly what the loader's repair (imdb.h) writes in
//      its place: raw and repaired text give the same tokens ("caf\xE9" -> "caf\uFFFD").
//   6. A token longer than TOK_MAX_BYTES bytes is cut there (at a character
//      boundary) and the rest of that run is skipped: no review, however long and
//      whatever it contains, needs more than one token's worth of buffer.
#ifndef CH03_TOKENIZER_H
#define CH03_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#define TOK_MAX_BYTES 64
#define TOK_MAX_BYTES_STR "64"   // the same, for the metadata of a saved model

typedef struct {
    const unsigned char *p, *end;   // what is left of the text
    char word[TOK_MAX_BYTES + 1];   // the current token, NUL-terminated
    int len;                        // its length in bytes
} TokIter;

// Starts tokenizing text (len bytes; it need not be NUL-terminated).
void tok_begin(TokIter *it, const char *text, size_t len);
// Moves to the next token: returns 1 with it->word / it->len set, or 0 at the end.
int tok_next(TokIter *it);

// Splits text and writes at most max_tokens tokens into out, each a NUL-terminated
// string of out_stride bytes (out_stride >= TOK_MAX_BYTES + 1). Returns how many
// tokens the text has in total (may exceed max_tokens). For tests and examples.
int tok_split(const char *text, size_t len, char *out, int out_stride, int max_tokens);

// Length of the valid UTF-8 sequence at s (at most n bytes; n >= 1), with its code
// point in *cp; 0 if the bytes there are not one (RFC 3629: shortest form only, no
// surrogates, <= U+10FFFF). The one definition of "valid" for the tokenizer and for
// imdb_utf8_repair.
int tok_utf8_len(const unsigned char *s, size_t n, unsigned *cp);

// 64-bit FNV-1a hash of a token's bytes: the same on every machine, so that hashed
// bigram ids saved with a model mean the same thing when it is loaded.
uint64_t tok_hash(const char *s, int len);

#endif
