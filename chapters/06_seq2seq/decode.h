// decode.h: turning a trained model into outputs, one token at a time.
//
// At test time there is no target to force: the decoder is fed its own previous
// outputs, starting from BOS, until it emits EOS or reaches max_len tokens.
//   greedy:  y_t = argmax_v p(v | y_<t, x)                                          (6.14)
//   beam:    keep the K best partial outputs by sum_t log p(y_t | y_<t, x); expand each
//            by every token, keep the K best of the K*V candidates; a candidate ending
//            in EOS is finished. Finished outputs are compared by their log-probability
//            divided by the length penalty ((5 + n) / 6)^alpha (Wu et al. 2016, GNMT),
//            n counting EOS (an output cut off at max_len counts max_len + 1), so that
//            short outputs are not favoured merely for having fewer factors.        (6.15)
// With alpha = 0, greedy is beam search with K = 1. (With alpha > 0 a single beam
// can set a finished output aside and go on with the runner-up, which greedy never
// does.) Both run the whole decoder on the prefix at every step (no key/value cache):
// simple, and cheap for outputs of a dozen tokens. BOS and PAD are never output.
#ifndef CH06_DECODE_H
#define CH06_DECODE_H

#include "chapters/06_seq2seq/model.h"

// src (B,Ts), src_len (B) -> out (B,max_len) token ids (PAD after EOS; EOS itself is
// not written), out_len (B). The cache must hold B x (Ts, max_len).
void greedy_decode(const S2SModel *m, S2SCache *c, const int *src, const int *src_len, int B, int Ts, int bos, int eos,
                   int max_len, int *out, int *out_len);

// One source sequence, K beams (the cache must hold K x (Ts, max_len)). Writes the best
// output to out (max_len) and returns its length; *score gets its length-normalised
// log-probability (6.15).
int beam_decode(const S2SModel *m, S2SCache *c, const int *src, int src_len, int Ts, int bos, int eos, int max_len,
                int K, float alpha, int *out, float *score);

#endif
