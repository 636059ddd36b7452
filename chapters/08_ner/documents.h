// documents.h: where the stories of a CoNLL-2003 file begin, when its -DOCSTART- lines
// are gone. README section 08.2 (document context).
//
// Some copies of CoNLL-2003 (the one in ../shared/datasets among them) dropped the
// -DOCSTART- lines but kept the sentences in order. Every Reuters story still opens the
// same way:
//
//   Rare Hendrix song draft sells for almost $ 17,000 .     headline
//   Peter Blackburn                                         byline (some stories)
//   [ CORRECTED 14:06 GMT ]                                 correction (a few)
//   LONDON 1996-08-22                                       dateline: ends with a date
//
// So a sentence whose last word is a date YYYY-MM-DD is a dateline, and its story
// starts at the headline just before it, stepping back over up to two lines between
// them: a byline (at most 4 words, no digits, no full stop) or a bracketed line. A
// story without a dateline stays part of the one before it, and an ordinary line that
// ends with a date opens a false one: the guess finds 919, 214 and 225 stories in eng.train, testa
// and testb, where the shared task's paper counts 946, 216 and 231.
#ifndef CH08_DOCUMENTS_H
#define CH08_DOCUMENTS_H

#include "chapters/07_bert/conll.h"

// Sets set->sent_doc and set->n_docs from the datelines, if the file had no -DOCSTART-
// lines (set->docstarts == 0). Returns the number of stories found (1 when no dateline:
// the whole file one story), or 0 when the file marks its documents itself.
int conll_guess_documents(ConllSet *set);

#endif
