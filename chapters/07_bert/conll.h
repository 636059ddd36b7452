// conll.h: the CoNLL-2003 named-entity data (Tjong Kim Sang & De Meulder 2003) in its
// original column format, the reader chapter 07 (its training sentences, as text) and
// chapter 08 (words and tags) share:
//
//   -DOCSTART- -X- -X- O        a new document (a news article); not a sentence
//                               (blank line between sentences)
//   EU NNP B-NP B-ORG           WORD POS CHUNK NER, separated by single spaces
//   rejects VBZ B-VP O
//
// The reader keeps the first column (the word) and the last (the NER tag), checks that
// every token line has as many columns as the first one (at least 2), that the file is
// valid UTF-8 and not empty, and that each tag is "O" or a prefix B-, I-, E- or S-
// followed by a type. A missing final blank line is fine. Errors: "path:line: what".
#ifndef CH07_CONLL_H
#define CH07_CONLL_H

#include <stddef.h>

typedef struct {
    int n_tokens, n_sents, n_docs;
    char **word, **tag;      // (n_tokens) NUL-terminated, owned
    int *sent_start;         // (n_sents + 1) first token of each sentence; [n_sents] = n_tokens
    int *sent_doc;           // (n_sents) document of each sentence (0 when no -DOCSTART-)
    int docstarts;           // -DOCSTART- lines read: 0 when the file does not mark documents
    int columns;             // columns per token line (4 in CoNLL-2003)
} ConllSet;

int conll_load(ConllSet *s, const char *path, char *err, size_t err_len);
// The same with the tag read from_end columns before the last: 1 reads the gold column
// of conlleval's `word gold predicted` files (chapter 08's --predictions), 0 the last.
int conll_load_column(ConllSet *s, const char *path, int from_end, char *err, size_t err_len);
void conll_free(ConllSet *s);

#endif
