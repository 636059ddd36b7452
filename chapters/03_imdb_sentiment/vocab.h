// vocab.h: words to ids and back. README section 03.1 "Tokens and the vocabulary".
//
// A Vocab is a hash table from token strings to ids 0..n-1 with a count per entry.
// It plays two parts:
//   - a counter: vocab_count_text adds every token of a text (new words get the next
//     id, known words count up);
//   - the model's vocabulary, made from a counter by vocab_build:
//       id 0 = "<pad>"  fills rows up to a common length; masked out by the model
//       id 1 = "<unk>"  every word that did not make it into the vocabulary (OOV)
//       id 2.. = the words seen at least min_count times in the TRAINING split, most
//                frequent first, ties broken by byte order of the word, at most
//                max_size entries in all (specials included).
// The two special strings cannot be produced by the tokenizer ('<' is always a token
// of its own), so they never collide with a real word.
#ifndef CH03_VOCAB_H
#define CH03_VOCAB_H

#include <stddef.h>
#include <stdint.h>

enum { VOCAB_PAD = 0, VOCAB_OOV = 1, VOCAB_N_SPECIAL = 2 };
#define VOCAB_PAD_STR "<pad>"
#define VOCAB_OOV_STR "<unk>"

typedef struct {
    char *pool;            // the words, NUL-terminated, back to back
    size_t pool_len, pool_cap;
    size_t *word_at;       // (n) offset of word id in pool
    long *count;           // (n) occurrences counted (or read from the vocab file)
    uint64_t *hash;        // (n) tok_hash of each word
    int n, cap;
    int *table;            // open addressing, linear probing: an id, or -1 for empty
    int table_cap;         // a power of two, at least twice n
} Vocab;

void vocab_init(Vocab *v);
void vocab_free(Vocab *v);
// Adds count to word (len bytes), inserting it with the next id if new; returns its id.
int vocab_add(Vocab *v, const char *word, int len, long count);
// The id of word, or -1.
int vocab_find(const Vocab *v, const char *word, int len);
const char *vocab_word(const Vocab *v, int id);

// Counts every token of text into counter (tokenizer.h rules).
void vocab_count_text(Vocab *counter, const char *text, size_t len);

// The model's vocabulary from a counter (see the top of this file). max_size >= 3.
void vocab_build(Vocab *out, const Vocab *counter, long min_count, int max_size);

// One line per id, "word<TAB>count\n", starting with <pad> and <unk>: line k+1 holds
// id k. Written atomically. Returns 0, or -1 with the reason in err.
int vocab_save(const Vocab *v, const char *path, char *err, size_t err_len);
// Reads what vocab_save wrote, checking every line; errors are "path:line: what".
int vocab_load(Vocab *v, const char *path, char *err, size_t err_len);

// A 64-bit fingerprint of the words in id order: a model stores it, and a vocab file
// with other words (or another order) is refused when the model is loaded.
uint64_t vocab_fingerprint(const Vocab *v);

// ---- encoding a text as model input ---------------------------------------------------

typedef struct {
    int max_len;          // tokens kept per review: the first max_len (truncation)
    int bigram_buckets;   // 0: unigrams only; else one hashed bigram feature per
                          // adjacent pair of kept tokens, ids V .. V+buckets-1
} EncodeOpts;

typedef struct {
    long tokens;          // tokens in the text, including those past max_len
    long kept;            // tokens kept (<= max_len)
    long oov;             // kept tokens that were not in the vocabulary
} EncodeInfo;

// Most ids a text can give: max_len unigrams + (max_len - 1) bigrams.
int vocab_encoded_max(const EncodeOpts *o);

// The bucket of the bigram (a, b) from the two tokens' hashes, in [0, buckets). Hashing
// the strings (not the ids) gives OOV words their own bigrams too.
int vocab_bigram_bucket(uint64_t hash_a, uint64_t hash_b, int buckets);

// Text -> ids (at most vocab_encoded_max ints): the unigram ids of the first max_len
// tokens, then, with bigrams, v->n + bucket for each adjacent pair. Returns the count.
// info may be NULL; when given, the rest of the text is tokenized to count info->tokens.
int vocab_encode(const Vocab *v, const char *text, size_t len, const EncodeOpts *o, int *ids, EncodeInfo *info);

// How many ids vocab_encode will give for text (tokenizes, looks nothing up).
int vocab_encoded_len(const char *text, size_t len, const EncodeOpts *o);

// Truncates or pads ids (n) to exactly T entries (PAD = VOCAB_PAD after the ids): the
// fixed-length rows of a naive batch (the trainer pads each batch to its longest row).
void vocab_pad(int *out, const int *ids, int n, int T);

#endif
