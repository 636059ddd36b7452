// tests/test_08_windows.c: chapter 08's words -> WordPiece rows: labels on first
// pieces only, long sentences cut into overlapping windows where every word has exactly
// one home (its most central window, checked for every word), words that tokenize
// to nothing, and document context: rows filled with the neighbouring sentences of the
// same document, whole words only, their words without a home; where words begin, and
// whole-word masking.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/08_ner/finetune.h"
#include "chapters/08_ner/windows.h"
#include "common/mem.h"
#include "tests/toy_vocab.h"
#include "tests/conll_text.h"


Test(ch08_windows, labels_go_on_first_pieces) {
    WordPiece wp = toy_vocab();
    ConllSet set = conll_from_text("w1 O\nw2w3w4 B-PER\nw5 I-PER\n\nw6w7 B-LOC\n");
    NerRows r;
    nerrows_build(&r, &set, &wp, 16, 0, 0);
    cr_assert_eq(r.n_rows, 2);
    cr_assert_eq(r.length[0], 2 + 5);   // [CLS] w1 w2 ##w3 ##w4 w5 [SEP]
    int want_ids[] = {2, 6, 7, 28, 29, 10, 3, 0}, want_word[] = {-1, 0, 1, -1, -1, 2, -1, -1};
    for (int t = 0; t < 8; t++) {
        cr_assert_eq(r.ids[t], want_ids[t], "token %d", t);
        cr_assert_eq(r.word[t], want_word[t], "token %d", t);
    }
    cr_assert_eq(r.row_sent[1], 1);
    cr_assert_eq(r.word[16 + 1], 3);   // the second sentence's word is word 3 of the set
    int word_labels[] = {0, 7, 8, 1}, labels[32];
    nerrows_token_labels(&r, word_labels, labels);
    cr_assert_eq(labels[1], 0);
    cr_assert_eq(labels[2], 7);
    cr_assert_eq(labels[3], -1);
    cr_assert_eq(labels[5], 8);
    cr_assert_eq(labels[0], -1);
    cr_assert_eq(labels[6], -1);
    cr_assert_eq(r.split_sents, 0);
    nerrows_free(&r), conll_free(&set), wordpiece_free(&wp);
}

// Every word has exactly one home; rows hold consecutive pieces; the home is the most
// central of the windows that hold the word's first piece.
static void check_windows(const ConllSet *set, const NerRows *r, int T) {
    int *homes = calloc((size_t)set->n_tokens, sizeof(int));
    for (int row = 0; row < r->n_rows; row++) {
        cr_assert_leq(r->length[row], T);
        cr_assert_eq(r->ids[(size_t)row * T], 2, "[CLS] first");
        cr_assert_eq(r->ids[(size_t)row * T + r->length[row] - 1], 3, "[SEP] last");
        cr_assert(r->lead[row] >= 0 && r->own[row] >= 1 && r->lead[row] + r->own[row] <= r->length[row] - 2);
        if (r->context_pieces == 0) cr_assert_eq(r->own[row], r->length[row] - 2);
        for (int t = 0; t < T; t++) {
            int w = r->word[(size_t)row * T + t];
            if (w < 0) continue;
            homes[w]++;
            cr_assert(t >= 1 && t < r->length[row] - 1);
            int id = r->ids[(size_t)row * T + t];
            cr_assert(id < 25, "a home is a first piece, not a ## piece (id %d)", id);
        }
    }
    for (int w = 0; w < set->n_tokens; w++) cr_assert_eq(homes[w], 1, "word %d has %d homes", w, homes[w]);
    free(homes);
}

// The rule itself, for every word: rebuild each sentence's pieces as nerrows_build
// must (a word of no pieces is [UNK], one longer than a row keeps its first T - 2),
// find where each of the sentence's rows starts in them (always at a word's first
// piece), and check that the word's home is a window holding its first piece where
// min(pieces before, pieces after) is the largest, and that the home marks that piece.
static void check_homes_are_most_central(const ConllSet *set, const WordPiece *wp, const NerRows *r, int T) {
    IdList pieces = {0};
    int row = 0;
    for (int s = 0; s < set->n_sents; s++) {
        const int w0 = set->sent_start[s], nw = set->sent_start[s + 1] - w0;
        int *start = xmalloc(sizeof(int) * (size_t)nw);
        pieces.n = 0;
        for (int i = 0; i < nw; i++) {
            start[i] = (int)pieces.n;
            const char *word = set->word[w0 + i];
            if (wordpiece_encode(wp, word, strlen(word), &pieces, NULL) == 0) idlist_push(&pieces, wp->special[WP_UNK]);
            if (pieces.n - start[i] > T - 2) pieces.n = start[i] + T - 2;
        }
        const int first_row = row;
        while (row < r->n_rows && r->row_sent[row] == s) row++;
        const int n_rows = row - first_row;
        cr_assert_gt(n_rows, 0, "sentence %d has no row", s);
        int *offset = xmalloc(sizeof(int) * (size_t)n_rows), from = 0;
        for (int k = 0; k < n_rows; k++) {   // the sentence's own pieces, after any context
            const int len = r->own[first_row + k];
            const int *ids = r->ids + (size_t)(first_row + k) * T + 1 + r->lead[first_row + k];
            offset[k] = -1;
            for (int i = from; i < nw && offset[k] < 0; i++)
                if (start[i] + len <= pieces.n && !memcmp(pieces.ids + start[i], ids, sizeof(int) * (size_t)len))
                    offset[k] = start[i], from = i + 1;
            cr_assert_geq(offset[k], 0, "sentence %d, window %d: not a run of its pieces from a word's start", s, k);
        }
        for (int i = 0; i < nw; i++) {
            const int p = start[i];
            int best_ctx = -1, home_ctx = -1;
            for (int k = 0; k < n_rows; k++) {
                const int len = r->own[first_row + k], lead = r->lead[first_row + k];
                if (p < offset[k] || p >= offset[k] + len) continue;
                const int before = p - offset[k], after = offset[k] + len - 1 - p;
                const int ctx = before < after ? before : after;
                if (ctx > best_ctx) best_ctx = ctx;
                if (r->word[(size_t)(first_row + k) * T + 1 + lead + before] == w0 + i) home_ctx = ctx;
            }
            cr_assert_geq(home_ctx, 0, "sentence %d, word %d: its home does not mark its first piece", s, i);
            cr_assert_eq(home_ctx, best_ctx, "sentence %d, word %d: home has %d pieces of context, another window %d", s,
                         i, home_ctx, best_ctx);
        }
        free(start), free(offset);
    }
    cr_assert_eq(row, r->n_rows);
    idlist_free(&pieces);
}

// A tiny tagger's predictions over windowed rows: every word gets exactly one, a label.
static void predict_every_word(const ConllSet *set, const NerRows *r) {
    BertConfig cfg = {.vocab = 45, .hidden = 8, .layers = 1, .heads = 2, .intermediate = 16, .max_pos = 8,
                      .type_vocab = 2, .dropout = 0.1f, .ln_eps = 1e-12f};
    Rng rng;
    rng_seed(&rng, 5);
    Tagger tg;
    bert_create(&tg.bert, &cfg, &rng);
    tagger_init(&tg, 5, &rng);
    TaggerCache c;
    tagger_cache_alloc(&c, &tg, 3, 8);
    int *pred = xmalloc(sizeof(int) * (size_t)set->n_tokens);
    for (int w = 0; w < set->n_tokens; w++) pred[w] = -7;
    tagger_predict(&tg, &c, 3, r, pred);   // batches of 3 rows: a last, shorter batch too
    for (int w = 0; w < set->n_tokens; w++) cr_assert(pred[w] >= 0 && pred[w] < 5, "word %d: prediction %d", w, pred[w]);
    free(pred), tagger_cache_free(&c, &tg), tagger_free(&tg);
}

Test(ch08_windows, a_long_sentence_is_windowed_not_truncated) {
    WordPiece wp = toy_vocab();
    // 12 words of 2 pieces (24 pieces) and one of 3; rows of 8 = 6 pieces between
    char text[1024] = "";
    for (int i = 0; i < 12; i++) {
        char line[32];
        snprintf(line, sizeof line, "w%dw%d %s\n", i, i, i == 5 ? "B-PER" : "O");
        strcat(text, line);
    }
    strcat(text, "w1w2w3 B-LOC\n");
    ConllSet set = conll_from_text(text);
    for (int stride = 1; stride <= 6; stride++) {
        NerRows r;
        nerrows_build(&r, &set, &wp, 8, stride, 0);
        cr_assert_gt(r.n_rows, 4, "27 pieces in rows of 6: at least 5 windows (stride %d)", stride);
        cr_assert_eq(r.split_sents, 1);
        check_windows(&set, &r, 8);
        check_homes_are_most_central(&set, &wp, &r, 8);
        predict_every_word(&set, &r);
        // word 6 (pieces 12-13) in the middle of its home: 2 pieces of context each side
        // are possible with stride 2 (window 10-16)
        if (stride == 2) {
            for (int row = 0; row < r.n_rows; row++)
                for (int t = 0; t < 8; t++)
                    if (r.word[row * 8 + t] == 6) cr_assert(t - 1 >= 2 && r.length[row] - 2 - t >= 2, "t %d", t);
        }
        nerrows_free(&r);
    }
    conll_free(&set), wordpiece_free(&wp);
}

Test(ch08_windows, a_word_longer_than_a_row_and_an_empty_word) {
    WordPiece wp = toy_vocab();
    // a word of 8 pieces in rows of 6, and a word of one control character (U+0001),
    // which the BERT tokenizer drops: it gets [UNK]
    ConllSet set = conll_from_text("w1 O\nw1w1w1w1w1w1w1w1 B-MISC\n\x01 O\nw2 O\n");
    NerRows r;
    nerrows_build(&r, &set, &wp, 8, 3, 0);
    check_windows(&set, &r, 8);
    check_homes_are_most_central(&set, &wp, &r, 8);
    cr_assert_eq(r.empty_words, 1);
    int found_unk = 0;
    for (int i = 0; i < r.n_rows * 8; i++) found_unk += r.word[i] == 2 && r.ids[i] == 1;
    cr_assert_eq(found_unk, 1);
    nerrows_free(&r), conll_free(&set), wordpiece_free(&wp);
}

// Words of 1 to 4 pieces in two sentences, every row length and every stride: each
// word at home in its most central window.
Test(ch08_windows, every_word_is_at_home_in_its_most_central_window) {
    WordPiece wp = toy_vocab();
    char text[2048] = "";
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < 19 - 4 * s; i++) {   // first pieces w0..w18: each row's start is unambiguous
            char word[64] = "", piece[8];
            for (int k = 0; k <= (i * 7 + s) % 4; k++) snprintf(piece, sizeof piece, "w%d", (i + k) % 20), strcat(word, piece);
            strcat(text, word), strcat(text, i % 5 == 2 ? " B-ORG\n" : " O\n");
        }
        strcat(text, "\n");
    }
    ConllSet set = conll_from_text(text);
    for (int T = 8; T <= 14; T += 3)
        for (int stride = 1; stride <= T - 2; stride++) {
            NerRows r;
            nerrows_build(&r, &set, &wp, T, stride, 0);
            cr_assert_eq(r.split_sents, 2, "T %d stride %d", T, stride);
            check_windows(&set, &r, T);
            check_homes_are_most_central(&set, &wp, &r, T);
            nerrows_free(&r);
        }
    conll_free(&set), wordpiece_free(&wp);
}

// Document context by hand. Document 1: "w1 w2w3" (3 pieces), "w4" (1), "w5w6w7 w8"
// (4); document 2: "w9w10 w11" (3), "w12" (1). Word starts in the stream: 0 1 3 4 7 |
// 8 10 11, end 12. Rows of at most 8 tokens: 6 pieces between [CLS] and [SEP].
Test(ch08_windows, document_context_by_hand) {
    WordPiece wp = toy_vocab();
    ConllSet set = conll_from_text("-DOCSTART- O\n\nw1 O\nw2w3 B-PER\n\nw4 O\n\nw5w6w7 B-ORG\nw8 O\n\n"
                        "-DOCSTART- O\n\nw9w10 O\nw11 O\n\nw12 B-LOC\n");
    cr_assert_eq(set.n_docs, 2);
    NerRows r;
    nerrows_build(&r, &set, &wp, 16, 0, 8);
    cr_assert_eq(r.n_rows, 5);
    // w_i is id 5 + i, ##w_i 25 + i; [CLS] 2, [SEP] 3, [PAD] 0
    const int want[5][8] = {
        {2, 6, 7, 28, 9, 3, 0, 0},        // nothing before: room 3 goes after, whole words: w4
        {2, 7, 28, 9, 10, 31, 32, 3},     // room 5: w2w3 before (2), w5w6w7 after (3)
        {2, 9, 10, 31, 32, 13, 3, 0},     // room 2, nothing after: w4 before (w2w3 would be 3)
        {2, 14, 35, 16, 17, 3, 0, 0},     // the next document's start: w12 after, no w8 before
        {2, 14, 35, 16, 17, 3, 0, 0},     // nothing after: the whole room before, w9w10 w11
    };
    const int want_lead[5] = {0, 2, 1, 0, 3};
    const int want_home[5][2] = {{1, 2}, {3, -1}, {2, 5}, {1, 3}, {4, -1}}, first_word[5] = {0, 2, 3, 5, 7};
    for (int row = 0; row < 5; row++) {
        for (int t = 0; t < 8; t++) cr_assert_eq(r.ids[row * 16 + t], want[row][t], "row %d token %d", row, t);
        cr_assert_eq(r.lead[row], want_lead[row], "row %d", row);
        int homes = 0;
        for (int t = 0; t < 16; t++)
            if (r.word[row * 16 + t] >= 0) {
                cr_assert_eq(t, want_home[row][homes], "row %d: a home at %d", row, t);
                cr_assert_eq(r.word[row * 16 + t], first_word[row] + homes);
                homes++;
            }
        cr_assert_eq(homes, set.sent_start[row + 1] - set.sent_start[row], "row %d: context words have no home", row);
    }
    cr_assert_eq(r.context_pieces, 1 + 5 + 1 + 1 + 3);
    // `first` marks where every word of a row begins, the context's too (the whole-word
    // mask reads it); row 1: [CLS] w2 ##w3 | w4 | w5 ##w6 ##w7 [SEP]
    const unsigned char want_first[8] = {0, 1, 0, 1, 1, 0, 0, 0};
    for (int t = 0; t < 16; t++) cr_assert_eq(r.first[16 + t], t < 8 ? want_first[t] : 0, "row 1 token %d", t);
    check_windows(&set, &r, 16);
    check_homes_are_most_central(&set, &wp, &r, 16);
    nerrows_free(&r), conll_free(&set), wordpiece_free(&wp);
}

// What the whole-word cut frees on one side goes to the other. "w4" between a word of 3
// pieces and five words of 1, room 4: half before would be 2 pieces, less than the
// word of 3, so all 4 go after.
Test(ch08_windows, document_context_gives_one_sides_leftover_to_the_other) {
    WordPiece wp = toy_vocab();
    ConllSet set = conll_from_text("-DOCSTART- O\n\nw1w2w3 O\n\nw4 O\n\nw5 O\nw6 O\nw7 O\nw8 O\nw9 O\n");
    NerRows r;
    nerrows_build(&r, &set, &wp, 16, 0, 7);
    const int want[7] = {2, 9, 10, 11, 12, 13, 3};   // [CLS] w4 w5 w6 w7 w8 [SEP]
    cr_assert_eq(r.length[1], 7);
    cr_assert_eq(r.lead[1], 0);
    for (int t = 0; t < 7; t++) cr_assert_eq(r.ids[16 + t], want[t], "token %d", t);
    nerrows_free(&r), conll_free(&set);
    // without -DOCSTART- lines nothing says where documents end: no context
    set = conll_from_text("w1 O\n\nw4 O\n\nw5 O\n");
    nerrows_build(&r, &set, &wp, 16, 0, 16);
    cr_assert_eq(r.context_pieces, 0);
    cr_assert_eq(r.length[1], 3);
    nerrows_free(&r), conll_free(&set), wordpiece_free(&wp);
}

// Every row length, stride and context over three documents with words of 1 to 4
// pieces and a sentence that needs windows: context is a run of the stream of pieces
// right before and after the sentence, whole words, never across a document boundary,
// never beyond the context length; a windowed sentence gets none; every word has
// exactly one home and a prediction.
Test(ch08_windows, document_context_stays_in_its_document) {
    WordPiece wp = toy_vocab();
    char text[4096] = "";
    const int sents_per_doc[3] = {4, 1, 3}, words_per_sent[8] = {3, 1, 5, 2, 4, 9, 2, 3};
    for (int d = 0, s = 0; d < 3; d++) {
        if (d) strcat(text, "-DOCSTART- O\n\n");   // the first document's sentences come before any
        for (int k = 0; k < sents_per_doc[d]; k++, s++) {
            for (int i = 0; i < words_per_sent[s]; i++) {
                char word[64] = "", piece[8];
                for (int q = 0; q <= (i * 5 + s) % 4; q++) snprintf(piece, sizeof piece, "w%d", (i + 3 * s + q) % 20), strcat(word, piece);
                strcat(text, word), strcat(text, (i + s) % 4 == 1 ? " B-LOC\n" : " O\n");
            }
            strcat(text, "\n");
        }
    }
    ConllSet set = conll_from_text(text);
    cr_assert_eq(set.n_docs, 3);
    cr_assert_eq(set.n_sents, 8);
    // the stream of pieces as nerrows_build must make it, with each word's start
    IdList stream = {0};
    int *word_start = xmalloc(sizeof(int) * (size_t)(set.n_tokens + 1));
    for (int w = 0; w < set.n_tokens; w++) {
        word_start[w] = (int)stream.n;
        wordpiece_encode(&wp, set.word[w], strlen(set.word[w]), &stream, NULL);
    }
    word_start[set.n_tokens] = (int)stream.n;
    char is_start[4096] = {0};
    for (int w = 0; w <= set.n_tokens; w++) is_start[word_start[w]] = 1;
    long with_context = 0;
    for (int T = 8; T <= 20; T += 4)
        for (int stride = 1; stride <= T - 2; stride += 3)
            for (int context = 0; context <= T + 4; context++) {   // beyond T: a row of T
                NerRows r;
                nerrows_build(&r, &set, &wp, T, stride, context);
                check_windows(&set, &r, T);
                check_homes_are_most_central(&set, &wp, &r, T);
                for (int row = 0; row < r.n_rows; row++) {
                    const int s = r.row_sent[row], lead = r.lead[row], len = r.length[row] - 2;
                    const int trail = len - lead - r.own[row];
                    const int base = word_start[set.sent_start[s]], n = word_start[set.sent_start[s + 1]] - base;
                    if (lead + trail == 0) continue;
                    with_context++;
                    cr_assert_eq(r.own[row], n, "a row with context holds its whole sentence (T %d, context %d)", T, context);
                    cr_assert_leq(r.length[row], context < T ? context : T, "row %d: %d tokens, context %d", row,
                                  r.length[row], context);
                    cr_assert(is_start[base - lead] && is_start[base + n + trail], "row %d: whole words only", row);
                    int doc_from = s, doc_to = s + 1;
                    while (doc_from > 0 && set.sent_doc[doc_from - 1] == set.sent_doc[s]) doc_from--;
                    while (doc_to < set.n_sents && set.sent_doc[doc_to] == set.sent_doc[s]) doc_to++;
                    cr_assert_geq(base - lead, word_start[set.sent_start[doc_from]], "row %d: context from another document", row);
                    cr_assert_leq(base + n + trail, word_start[set.sent_start[doc_to]], "row %d: context from another document", row);
                    cr_assert_eq(memcmp(r.ids + (size_t)row * T + 1, stream.ids + base - lead, sizeof(int) * (size_t)len), 0,
                                 "row %d: not the pieces around its sentence", row);
                }
                if (T == 8 && context == 8) predict_every_word(&set, &r);
                nerrows_free(&r);
            }
    cr_assert_gt(with_context, 50, "the loops must reach rows with context (%ld)", with_context);
    idlist_free(&stream), free(word_start), conll_free(&set), wordpiece_free(&wp);
}

// Whole-word masking (08.4): a word's pieces are masked together or not at all, at about
// the rate asked for; [CLS], [SEP] and [PAD] never; p = 0 changes nothing and draws
// nothing, so a run without the option is the run it was before it existed.
Test(ch08_windows, word_mask_masks_whole_words_at_its_rate) {
    WordPiece wp = toy_vocab();
    ConllSet set = conll_from_text("w1 O\nw2w3w4 B-PER\nw5 I-PER\nw6w7 O\n\nw8w9 B-LOC\nw10 O\n");
    NerRows r;
    nerrows_build(&r, &set, &wp, 16, 0, 0);
    const int n = r.n_rows, L = r.length[0] > r.length[1] ? r.length[0] : r.length[1], idx[2] = {0, 1};
    const int MASK = 4;
    int ids[2 * 16];
    Rng rng, untouched;
    rng_seed(&rng, 7), rng_seed(&untouched, 7);
    for (int b = 0; b < n; b++) memcpy(ids + b * L, r.ids + b * 16, sizeof(int) * L);
    nerrows_mask_words(&r, idx, n, L, ids, 0, MASK, &rng);
    for (int b = 0; b < n; b++) cr_assert_arr_eq(ids + b * L, r.ids + b * 16, sizeof(int) * L);
    cr_assert_eq(rng_u32(&rng), rng_u32(&untouched), "p = 0 drew from the generator");

    // words per row: 4 and 2; pieces of each word, by position
    long masked_words = 0, words = 0;
    for (int rep = 0; rep < 2000; rep++) {
        for (int b = 0; b < n; b++) memcpy(ids + b * L, r.ids + b * 16, sizeof(int) * L);
        nerrows_mask_words(&r, idx, n, L, ids, 0.3f, MASK, &rng);
        for (int b = 0; b < n; b++) {
            const int len = r.length[b];
            cr_assert_eq(ids[b * L], r.ids[b * 16], "[CLS] masked");
            cr_assert_eq(ids[b * L + len - 1], r.ids[b * 16 + len - 1], "[SEP] masked");
            for (int t = len; t < L; t++) cr_assert_eq(ids[b * L + t], r.ids[b * 16 + t], "[PAD] masked");
            for (int t = 1; t < len - 1; t++) {
                const int is_masked = ids[b * L + t] == MASK;
                cr_assert(is_masked || ids[b * L + t] == r.ids[b * 16 + t]);
                if (r.first[b * 16 + t]) words++, masked_words += is_masked;
                else   // a later piece follows its word's first
                    cr_assert_eq(is_masked, ids[b * L + t - 1] == MASK, "row %d: piece %d masked apart from its word", b, t);
            }
        }
    }
    cr_assert_eq(words, 2000 * 6);
    // 12,000 Bernoulli(0.3) draws: standard deviation of the rate 0.0042
    cr_assert(fabs((double)masked_words / words - 0.3) < 0.02, "masked %ld of %ld words", masked_words, words);
    nerrows_free(&r), conll_free(&set), wordpiece_free(&wp);
}
