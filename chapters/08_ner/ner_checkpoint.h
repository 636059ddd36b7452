// ner_checkpoint.h: a fine-tuned tagger as a Hugging Face BertForTokenClassification
// directory. README section 08.4.
//
//   config.json        chapter 07's, with "architectures": ["BertForTokenClassification"],
//                      "id2label": {"0": "O", "1": "B-LOC", ...} and "label2id"
//   model.safetensors  bert.embeddings..., bert.encoder.layer.N..., classifier.weight/.bias
//   vocab.txt, tokenizer_config.json (the casing: --tag needs no --lowercase)
//
// The loader takes the labels from id2label in whatever order the file has them (a
// model fine-tuned elsewhere may list "B-MISC" first) and permutes the classifier's
// rows into this chapter's order (tags.h), so that label ids mean the same everywhere.
#ifndef CH08_NER_CHECKPOINT_H
#define CH08_NER_CHECKPOINT_H

#include <stddef.h>

#include "chapters/07_bert/wordpiece.h"
#include "chapters/08_ner/tagger.h"
#include "chapters/08_ner/tags.h"

int tagger_save_dir(const char *dir, const Tagger *tg, const TagSet *ts, const WordPiece *wp, char *err,
                    size_t err_len);

// tg's bert is created in place from dir's config; ts from id2label. Returns 0, or -1
// with err (no or malformed id2label, a label that is not a tag, the files of
// chapter 07's loader).
int tagger_load_dir(const char *dir, Tagger *tg, TagSet *ts, WordPiece *wp, int lowercase, char *err, size_t err_len);

// The labels of a config.json's "id2label" object, in id order, into names (n_max rows
// of TAG_TYPE_LEN + 2). Returns how many, or -1 (missing, malformed, ids not 0..n-1).
int read_id2label(const char *json, char (*names)[TAG_TYPE_LEN + 2], int n_max);

#endif
