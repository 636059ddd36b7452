// checkpoint.h: a BERT as a Hugging Face model directory. README section 07.8.
//
//   DIR/config.json        {"model_type": "bert", "hidden_size": 256, ...}
//   DIR/model.safetensors  the tensors under Transformers' names
//   DIR/vocab.txt          the WordPiece vocabulary
//   DIR/tokenizer_config.json  {"do_lower_case": false} for a cased vocabulary
//
// which is what `BertForMaskedLM.from_pretrained(DIR)` (or BertTokenizer.from_pretrained)
// opens in PyTorch, and what `datasets/fetch.sh bert-base-cased` downloads from the
// Hugging Face Hub. A directory is written next to its final place and renamed into it
// (common/io.h's rule for files, for a whole directory): an interrupted save leaves
// the previous checkpoint, never half of one.
#ifndef CH07_CHECKPOINT_H
#define CH07_CHECKPOINT_H

#include <stddef.h>

#include "chapters/07_bert/bert.h"
#include "chapters/07_bert/wordpiece.h"
#include "common/tensor.h"

typedef struct {
    const char *architecture;         // "BertForMaskedLM", "BertForTokenClassification"
    const char *extra_json;           // more config.json members ("\"id2label\": {...}"), or NULL
    const char *const *metadata;      // safetensors __metadata__ pairs, NULL-terminated, or NULL
    const TensorList *extra;          // more files' worth: saved as DIR/<extra_file>, or NULL
    const char *extra_file;           // e.g. "trainer_state.safetensors"
    const char *const *extra_metadata;
} BertSaveOpts;

// Writes config.json, model.safetensors (tensors, in list order) and vocab.txt into
// dir, atomically as a whole. Returns 0, or -1 with err.
int bert_save_dir(const char *dir, const BertConfig *cfg, const TensorList *tensors, const WordPiece *wp,
                  const BertSaveOpts *o, char *err, size_t err_len);

// Reads DIR/config.json: model_type "bert", the sizes, hidden_act "gelu" (the erf form
// this book implements; "gelu_new", "relu", ... are refused by name), layer_norm_eps,
// and position_embedding_type "absolute" if given. Returns 0, or -1 with err.
int bert_read_config(const char *dir, BertConfig *cfg, char *err, size_t err_len);

// Loads every tensor of list from DIR/model.safetensors. A name "bert.X" is also found
// as "X" (a BertModel checkpoint has no prefix); BertForTokenClassification and
// BertForMaskedLM use "bert.". A layer norm's "LayerNorm.weight" / "LayerNorm.bias" are
// also found under their TensorFlow-era names "LayerNorm.gamma" / "LayerNorm.beta",
// which the Hub's original BERT checkpoints still use. Tensors whose names start with one of optional_prefixes
// (e.g. "cls." for the MLM head) may be missing: *n_missing_optional counts them (and
// they keep their values). Anything else missing, or a shape that differs: -1 with err.
int bert_load_tensors(const char *dir, const TensorList *list, const char *const *optional_prefixes,
                      int *n_missing_optional, char *err, size_t err_len);

// config.json -> cfg and vocab.txt -> wp, their sizes checked against each other. The
// casing is tokenizer_config.json's do_lower_case when the directory has one, else the
// lowercase flag. Returns 0, or -1 with err (and nothing to free).
int bert_read_config_vocab(const char *dir, BertConfig *cfg, WordPiece *wp, int lowercase, char *err,
                           size_t err_len);

// All three files: config -> a new model (weights as loaded), vocab.txt -> wp (with
// the casing flag). *has_head: 1 if the MLM head was in the checkpoint.
int bert_load_dir(const char *dir, Bert *m, WordPiece *wp, int lowercase, int *has_head, char *err, size_t err_len);

#endif
