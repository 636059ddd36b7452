// tests/test_08_documents.c: chapter 08's guess of where CoNLL-2003's stories begin
// when the -DOCSTART- lines are gone: the headline before each dateline, over a byline
// or a bracketed note; nothing changed when the file marks its documents itself.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "chapters/08_ner/documents.h"
#include "tests/conll_text.h"


// Sentences, one per line here, words split at spaces into CoNLL lines tagged O.
static ConllSet load_sentences(const char *const *sents, int n) {
    static char text[8192];
    text[0] = 0;
    for (int k = 0; k < n; k++) {
        char copy[512];
        snprintf(copy, sizeof copy, "%s", sents[k]);
        for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) strcat(text, w), strcat(text, " O\n");
        strcat(text, "\n");
    }
    return conll_from_text(text);
}

Test(ch08_documents, stories_open_at_the_headline_before_the_dateline) {
    const char *sents[] = {
        "SOCCER - JAPAN WIN .",                  // 0 story 0: headline
        "Nadim Ladki",                           // 1 byline
        "AL-AIN , United Arab Emirates 1996-12-06",   // 2 dateline
        "Japan won 2 - 1 .",                     // 3
        "-- Tokyo newsroom 81 3 3432",           // 4 the story's last line (digits: not a byline)
        "Rare Hendrix song draft sells .",       // 5 story 1: headline, no byline
        "LONDON 1996-08-22",                     // 6
        "It sold on Thursday .",                 // 7
        "The buyer said 1996-08-22",             // 8 an ordinary line ending with a date: the guess
        "Profits rose .",                        //    opens a story at 7 (a false split costs context only)
        "CRICKET - SCOREBOARD .",                // 10 story 3: headline
        "[ CORRECTED 14:06 GMT ]",               // 11 a note
        "Peter Blackburn",                       // 12 byline
        "SIALKOT , Pakistan 1996-12-06",         // 13 dateline: 3 lines back is the headline
        "Pakistan won .",                        // 14
        "RESULTS 3 1",                           // 15 story 4: a short headline with digits is
        "PARIS 1996-12-07",                      //    not a byline, so the story opens at it
        "France won .",                          // 17
    };
    ConllSet set = load_sentences(sents, 18);
    cr_assert_eq(set.docstarts, 0);
    cr_assert_eq(conll_guess_documents(&set), 5);
    cr_assert_eq(set.n_docs, 5);
    const int want[18] = {0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4};
    for (int k = 0; k < 18; k++) cr_assert_eq(set.sent_doc[k], want[k], "sentence %d: story %d", k, set.sent_doc[k]);
    conll_free(&set);
}

Test(ch08_documents, a_file_that_marks_its_documents_is_left_alone) {
    ConllSet set = conll_from_text("-DOCSTART- O\n\nHEADLINE O\n\nLONDON O\n1996-08-22 O\n\n-DOCSTART- O\n\nx O\n");
    cr_assert_eq(set.docstarts, 2);
    cr_assert_eq(conll_guess_documents(&set), 0);
    cr_assert_eq(set.n_docs, 2);
    cr_assert_eq(set.sent_doc[0], 0);
    cr_assert_eq(set.sent_doc[1], 0);
    cr_assert_eq(set.sent_doc[2], 1);
    conll_free(&set);
    // no dateline: one story, which document context then does not use (test_08_windows)
    const char *plain[] = {"a b .", "c d .", "e f ."};
    set = load_sentences(plain, 3);
    cr_assert_eq(conll_guess_documents(&set), 1);
    for (int k = 0; k < 3; k++) cr_assert_eq(set.sent_doc[k], 0);
    conll_free(&set);
}
