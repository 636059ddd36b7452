// tags.h: named-entity tags, their three schemes, and the label ids the model predicts.
// README section 08.1.
//
// A tag is O (outside every entity) or a prefix and a type, "B-PER". Three schemes say
// where an entity starts and ends:
//   IOB1  the original CoNLL-2003 files: I- on every word of an entity; B- only on the
//         first word of an entity that directly follows another of the same type
//         ("I-LOC I-LOC B-LOC": two places side by side).
//   IOB2  B- on the first word of every entity, I- on the others. This chapter holds all
//         tags as IOB2 inside, whatever the file used.
//   BIOES B- first, I- inside, E- last, S- a one-word entity. An option for the
//         classification head: it then learns where an entity ends, not only where it
//         starts.
// Label ids: O is 0; then, for each type in sorted order, B, I (IOB2) or B, I, E, S
// (BIOES). CoNLL-2003's four types give 9 or 17 labels.
#ifndef CH08_TAGS_H
#define CH08_TAGS_H

#include <stddef.h>

enum { TAG_MAX_TYPES = 16, TAG_TYPE_LEN = 24 };

typedef enum { SCHEME_IOB1, SCHEME_IOB2, SCHEME_BIOES } TagScheme;

typedef struct {
    TagScheme scheme;   // of the labels: SCHEME_IOB2 or SCHEME_BIOES
    int n_types, n_labels;
    char type[TAG_MAX_TYPES][TAG_TYPE_LEN];   // sorted: LOC MISC ORG PER
} TagSet;

// "B-PER" -> prefix 'B', type "PER"; "O" -> prefix 'O', type "". Returns 0, or -1 for
// anything else (no prefix, an unknown prefix, an empty or too long type).
int tag_split(const char *tag, char *prefix, char type[TAG_TYPE_LEN]);

// The scheme a file's tags use, from the tags themselves: SCHEME_BIOES if any tag is
// E- or S-; SCHEME_IOB1 if some I- starts an entity (it follows O, the sentence start,
// or another type) and the B- tags are no more than those starts (IOB1 uses B- only
// between touching entities of one type); otherwise SCHEME_IOB2. sent_start
// (n_sents + 1).
TagScheme tags_detect_scheme(char *const *tags, const int *sent_start, int n_sents);

// Rewrites one sentence's tags (n) in place as IOB2, from IOB1 or BIOES. IOB1: an I-
// that starts an entity becomes B-. BIOES: E- -> I-, S- -> B-.
void tags_to_iob2(char **tags, int n, TagScheme from);

// The types of all tags (n), sorted, and the labels of scheme. Returns 0, or -1 with
// err (a malformed tag, more than TAG_MAX_TYPES types).
int tagset_build(TagSet *ts, char *const *tags, int n, TagScheme scheme, char *err, size_t err_len);

// A sentence's IOB2 tags (n) -> label ids (n) in ts's scheme. Returns 0, or -1 with err
// naming a tag whose type ts does not know.
int tagset_encode(const TagSet *ts, char *const *tags, int n, int *labels, char *err, size_t err_len);

// Label ids (n) -> IOB2 tag strings written into out (n rows of TAG_TYPE_LEN + 2).
// Predicted sequences may be invalid ("O I-PER", "B-PER E-LOC"): the strings keep what
// was predicted (BIOES E-/S- become I-/B-), and the scorer reads them as conlleval does.
void tagset_decode(const TagSet *ts, const int *labels, int n, char (*out)[TAG_TYPE_LEN + 2]);

// The label id of a name ("B-PER", "E-LOC" in BIOES, "O"), or -1.
int tagset_label_index(const TagSet *ts, const char *name);

// The name of one label, "B-PER" (out has TAG_TYPE_LEN + 2 bytes).
const char *tagset_label_name(const TagSet *ts, int label, char *out);

#endif
