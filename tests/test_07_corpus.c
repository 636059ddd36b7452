// tests/test_07_corpus.c: chapter 07's corpus readers on small files written here:
// WikiText's tokenization undone and its articles found, the CoNLL-2003 column reader
// (documents, sentences, a missing final blank line) and every malformed input it must
// refuse with "path:line: what", IMDB's unlabelled reviews, and packing a token stream
// into [CLS] ... [SEP] sequences, the sources apart and repeated (mixing).
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chapters/03_imdb_sentiment/imdb.h"
#include "chapters/07_bert/conll.h"
#include "chapters/07_bert/corpus.h"
#include "tests/tmp_file.h"
#include "tests/toy_vocab.h"

Test(ch07_corpus, wikitext_detokenize) {
    const char *in = "It is 1 @,@ 000 km @-@ long , 2 @.@ 5 m wide ; <unk> lives there .";
    char out[128];
    size_t n = wikitext_detokenize(out, in, strlen(in));
    cr_assert_str_eq(out, "It is 1,000 km-long , 2.5 m wide ; [UNK] lives there .");
    cr_assert_eq(n, strlen(out));
    cr_assert_eq(wikitext_detokenize(out, "@-@ a @", 7), 7);   // no spaces around: left alone
    cr_assert_str_eq(out, "@-@ a @");
}

Test(ch07_corpus, wikitext_articles_are_documents) {
    const char *text = " \n = First = \n \n A river @-@ bank .\n \n = = History = = \n \n It grew .\n"
                       " = Second = \n \n The <unk> one .\n";
    DocList d = {0};
    char err[512];
    cr_assert_eq(corpus_wikitext(&d, tmp_write("wiki.tokens", text), err, sizeof err), 0, "%s", err);
    cr_assert_eq(d.n, 2);
    cr_assert_str_eq(d.text[0], "A river-bank .\nIt grew .");   // headings dropped, paragraphs kept
    cr_assert_str_eq(d.text[1], "The [UNK] one .");
    cr_assert_eq(d.bytes, d.len[0] + d.len[1]);
    doclist_free(&d);
}

Test(ch07_corpus, wikitext_without_final_newline_and_with_crlf) {
    DocList d = {0};
    char err[512];
    cr_assert_eq(corpus_wikitext(&d, tmp_write("nonl.tokens", " = A = \n \n Hello there .\n = B = \n \n Last ."), err,
                                 sizeof err), 0, "%s", err);
    cr_assert_eq(d.n, 2);
    cr_assert_str_eq(d.text[1], "Last .");
    doclist_free(&d);
    cr_assert_eq(corpus_wikitext(&d, tmp_write("crlf.tokens", " = A = \r\n \r\n One .\r\n = B = \r\n Two .\r\n"), err,
                                 sizeof err), 0, "%s", err);
    cr_assert_eq(d.n, 2);
    cr_assert_str_eq(d.text[0], "One .");
    cr_assert_str_eq(d.text[1], "Two .");
    doclist_free(&d);
}

Test(ch07_corpus, bad_corpus_files_are_refused) {
    DocList d = {0};
    char err[512];
    cr_assert_eq(corpus_wikitext(&d, tmp_write("empty.tokens", ""), err, sizeof err), -1);
    cr_assert(strstr(err, "empty.tokens: empty file"), "%s", err);
    cr_assert_eq(corpus_wikitext(&d, tmp_write("latin1.tokens", " = T = \n ok\n caf\xe9 \n"), err, sizeof err), -1);
    cr_assert(strstr(err, "latin1.tokens:3: not valid UTF-8"), "%s", err);
    cr_assert_eq(corpus_wikitext(&d, tmp_write("heads.tokens", " = T = \n \n = = U = = \n"), err, sizeof err), -1);
    cr_assert(strstr(err, "no text"), "%s", err);
    cr_assert_eq(corpus_wikitext(&d, tmp_path("missing.tokens"), err, sizeof err), -1);
    cr_assert(strstr(err, "missing.tokens: cannot read") && strstr(err, "fetch.sh wikitext-2"), "%s", err);
    cr_assert_eq(d.n, 0);
}

static const char *conll_ok = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n"
                              "Peter NNP B-NP B-PER\n\n-DOCSTART- -X- -X- O\n\nBonn NNP B-NP B-LOC\n. . O O";

Test(ch07_conll, reads_documents_and_sentences) {
    ConllSet s;
    char err[512];
    cr_assert_eq(conll_load(&s, tmp_write("ok.conll", conll_ok), err, sizeof err), 0, "%s", err);
    cr_assert(s.n_tokens == 5 && s.n_sents == 3 && s.n_docs == 2 && s.columns == 4);
    cr_assert(s.sent_start[1] == 2 && s.sent_start[2] == 3 && s.sent_start[3] == 5);
    cr_assert(s.sent_doc[0] == 0 && s.sent_doc[1] == 0 && s.sent_doc[2] == 1);
    cr_assert_str_eq(s.word[1], "rejects");
    cr_assert_str_eq(s.tag[0], "B-ORG");
    cr_assert_str_eq(s.word[4], ".");   // the last line had no newline at all
    conll_free(&s);
    DocList d = {0};
    cr_assert_eq(corpus_conll(&d, tmp_path("ok.conll"), err, sizeof err), 0, "%s", err);
    cr_assert_eq(d.n, 2);
    cr_assert_str_eq(d.text[0], "EU rejects\nPeter\n");
    cr_assert_str_eq(d.text[1], "Bonn .\n");
    doclist_free(&d);
}

Test(ch07_conll, malformed_files_name_the_line) {
    struct {
        const char *name, *content, *message;
    } bad[] = {
        {"cols.conll", "EU NNP B-NP B-ORG\nrejects VBZ O\n", "cols.conll:2: 3 columns, but the file's first token line has 4"},
        {"one.conll", "EU\n", "one.conll:1: a token line needs at least 2 columns"},
        {"tag.conll", "EU NNP B-NP B-ORG\n\nx NN I-NP X-PER\n", "tag.conll:3: unknown tag \"X-PER\""},
        {"tag2.conll", "EU NNP B-NP B-\n", "tag2.conll:1: unknown tag \"B-\""},
        {"wide.conll", "a b c d e f g h i j k l m n o p q\n", "wide.conll:1: more than 16 columns"},
        {"empty.conll", "", "empty.conll: no sentences"},
        {"docs.conll", "-DOCSTART- -X- -X- O\n\n", "docs.conll: no sentences"},
        {"utf8.conll", "EU NNP B-NP B-ORG\nM\xfcller NNP I-NP B-PER\n", "utf8.conll:2: not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ConllSet s;
        char err[512];
        cr_assert_eq(conll_load(&s, tmp_write(bad[i].name, bad[i].content), err, sizeof err), -1, "%s accepted",
                     bad[i].name);
        cr_assert(strstr(err, bad[i].message), "%s: got \"%s\"", bad[i].name, err);
    }
}

// chapter 08's `word gold predicted` files: the gold column is 1 from the last
Test(ch07_conll, a_column_before_the_last) {
    const char *path = tmp_write("pred.txt", "Tim B-PER B-PER\nCook I-PER O\n\nParis B-LOC B-ORG\n");
    ConllSet gold, pred;
    char err[512];
    cr_assert_eq(conll_load_column(&gold, path, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(conll_load_column(&pred, path, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(gold.n_tokens, 3);
    cr_assert_eq(gold.n_sents, 2);
    cr_assert_str_eq(gold.tag[1], "I-PER");
    cr_assert_str_eq(pred.tag[1], "O");
    cr_assert_str_eq(gold.tag[2], "B-LOC");
    cr_assert_str_eq(pred.tag[2], "B-ORG");
    conll_free(&gold), conll_free(&pred);
    // a line with only word and tag has no column before the last tag
    cr_assert_eq(conll_load_column(&gold, tmp_write("two.txt", "Tim B-PER\n"), 1, err, sizeof err), -1);
    cr_assert(strstr(err, "two.txt:1: 2 columns"), "%s", err);
    // the column read must hold tags
    cr_assert_eq(conll_load_column(&gold, tmp_write("notag.txt", "Tim NNP B-PER\n"), 1, err, sizeof err), -1);
    cr_assert(strstr(err, "notag.txt:1: unknown tag \"NNP\""), "%s", err);
}

static void write_review(const char *dir, const char *name, const char *text) {
    char p[4300];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "wb");
    cr_assert_not_null(fp);
    fputs(text, fp);
    fclose(fp);
}

Test(ch07_corpus, imdb_unlabelled_reviews) {
    char root[4200], dir[4300];
    snprintf(root, sizeof root, "%s", tmp_path("aclImdb"));
    const char *sub[] = {"", "/train", "/train/pos", "/train/neg", "/train/unsup"};
    for (int i = 0; i < 5; i++) {
        snprintf(dir, sizeof dir, "%s%s", root, sub[i]);
        cr_assert_eq(mkdir(dir, 0755), 0);
    }
    snprintf(dir, sizeof dir, "%s/train/pos", root), write_review(dir, "0_9.txt", "Great.<br /><br />Fun");
    snprintf(dir, sizeof dir, "%s/train/neg", root), write_review(dir, "0_2.txt", "Dull.");
    snprintf(dir, sizeof dir, "%s/train/unsup", root), write_review(dir, "5_0.txt", "Seen it."),
        write_review(dir, "1_0.txt", "Odd.");
    ImdbSet s;
    char err[512];
    cr_assert_eq(imdb_load_unsup(&s, root, 0, err, sizeof err), 0, "%s", err);
    cr_assert(s.n == 2 && s.id[0] == 1 && s.label[0] == -1 && s.rating[1] == 0);
    imdb_free(&s);
    DocList d = {0};
    cr_assert_eq(corpus_imdb(&d, root, 1, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(d.n, 4);
    cr_assert_str_eq(d.text[0], "Great.  Fun");   // "<br />" -> " "
    cr_assert_str_eq(d.text[3], "Seen it.");
    doclist_free(&d);
    write_review(dir, "7_3.txt", "rated");   // a rated review among the unlabelled ones
    cr_assert_eq(imdb_load_unsup(&s, root, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "7_3.txt: rating 3 does not belong in unsup/"), "%s", err);
    cr_assert_eq(corpus_imdb(&d, root, 1, 0, err, sizeof err), -1);
    cr_assert_eq(d.n, 0);   // nothing half-added
    doclist_free(&d);
}

Test(ch07_corpus, pack_into_cls_sep_sequences) {
    const char *tokens[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    WordPiece wp;
    char err[256];
    cr_assert_eq(wordpiece_from_tokens(&wp, tokens, 5, 0, err, sizeof err), 0, "%s", err);
    IdList stream = {0};
    for (int i = 0; i < 10; i++) idlist_push(&stream, 100 + i);
    int *seq, n = corpus_pack(&stream, &wp, 6, &seq);
    cr_assert_eq(n, 2);   // 10 ids, 4 per sequence: 2 sequences, 2 ids left over
    int want[] = {WP_CLS, 100, 101, 102, 103, WP_SEP, WP_CLS, 104, 105, 106, 107, WP_SEP};
    for (int i = 0; i < 12; i++) cr_assert_eq(seq[i], want[i], "position %d", i);
    free(seq), idlist_free(&stream), wordpiece_free(&wp);
}

// Three sources of one document each, rows of 6 (4 stream tokens): the ids are
// w_i = 5 + i (toy_vocab.h), [CLS] 2, [SEP] 3.
static const int CLS = 2, SEP = 3;
#define W(i) (5 + (i))

Test(ch07_corpus, sources_are_packed_apart_and_repeated) {
    WordPiece wp = toy_vocab();
    DocList d = {0};
    const char *docs[] = {"w1 w2 w3 w4 w5 w6", "w8 w9 w10", "w11 w12 w13 w14 w15 w16 w17"};
    for (int i = 0; i < 3; i++) doclist_add(&d, docs[i], strlen(docs[i]));
    CorpusSource src[3] = {{"A", 1, 2}, {"B", 2, 1}, {"C", 3, 0}};
    int *seq, n = corpus_pack_mixture(&d, src, 3, &wp, 6, &seq, NULL);
    // A alone: w1..w6 [SEP] is one row and 3 tokens left over; twice. B: one row. C: none.
    int want[] = {CLS, W(1), W(2), W(3), W(4), SEP, CLS, W(1), W(2), W(3), W(4), SEP, CLS, W(8), W(9), W(10), SEP, SEP};
    cr_assert_eq(n, 3);
    for (int i = 0; i < 18; i++) cr_assert_eq(seq[i], want[i], "position %d", i);
    free(seq);
    src[0].copies = 0, src[2].copies = 3;
    n = corpus_pack_mixture(&d, src, 3, &wp, 6, &seq, NULL);
    cr_assert_eq(n, 1 + 3 * 2);
    cr_assert_eq(seq[1], W(8));
    for (int c = 0; c < 3; c++) cr_assert_eq(seq[(1 + 2 * c) * 6 + 1], W(11), "copy %d starts with w11", c);
    free(seq);
    // one copy of each: one stream, as corpus_encode_pack makes it (rows cross sources)
    src[0].copies = 1, src[2].copies = 1;
    n = corpus_pack_mixture(&d, src, 3, &wp, 6, &seq, NULL);
    int *plain, n_plain = corpus_encode_pack(&d, &wp, 6, &plain, "all", NULL);
    cr_assert_eq(n, n_plain);
    cr_assert_eq(n, 4);   // 7 + 4 + 8 tokens
    cr_assert_eq(memcmp(seq, plain, sizeof(int) * 4 * 6), 0);
    int crossing[] = {CLS, W(5), W(6), SEP, W(8), SEP};
    for (int i = 0; i < 6; i++) cr_assert_eq(seq[6 + i], crossing[i], "row 1, position %d", i);
    free(seq), free(plain);
    // a source with no documents (here between A and B) adds nothing, copies or not
    CorpusSource four[4] = {{"A", 1, 1}, {"empty", 1, 5}, {"B", 2, 2}, {"C", 3, 0}};
    n = corpus_pack_mixture(&d, four, 4, &wp, 6, &seq, NULL);
    cr_assert_eq(n, 1 + 2);
    cr_assert(seq[1] == W(1) && seq[6 + 1] == W(8) && seq[12 + 1] == W(8));
    free(seq), doclist_free(&d), wordpiece_free(&wp);
}
