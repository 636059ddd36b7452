// Exercise 07.1 (*): WordPiece, greedy longest-match-first.
// Read chapters/07_bert/README.md, section 07.2 "The BERT tokenizer".
// `make exercise EX=07.1` checks the chapter's examples and compares with wordpiece.c.
#include <string.h>

// vocab: V token strings (id = index), continuation pieces spelled "##...". word: one
// ASCII word of n bytes. Write the ids of its pieces to out and return how many: the
// longest prefix in the vocabulary first, then the longest "##" piece from where it
// ended, and so on. If some position has no piece, or the word is longer than 100
// characters, write the single id unk_id and return 1.
int ex_wordpiece_word(const char *const *vocab, int V, const char *word, int n, int unk_id, int *out) {
    (void)vocab, (void)V, (void)word, (void)n, (void)unk_id, (void)out;
    // TODO(07.1): for each start, try end = n, n-1, ... and look the piece up (with "##"
    // in front when start > 0). A linear search through vocab is fine here.
    return 0;
}
