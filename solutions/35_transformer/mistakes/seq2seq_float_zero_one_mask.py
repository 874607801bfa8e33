"""Mistake: float masks of 0/1 (1 = blocked) instead of 0/-inf.

Float masks are added to the scores, so a 1 barely changes them: the decoder still sees the
future and the padding.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "0/1 instead of -inf/0"
REJECTED_BY = "test_seq2seq_equals_nn_transformer_run_time_first"


class Seq2SeqTransformer(solution.Seq2SeqTransformer):
    def forward(self, src, src_lengths, tgt_in, tgt_lengths):
        S, T = src.size(1), tgt_in.size(1)
        src_pad = solution.padding_mask(src_lengths, S).to(self.out.weight.dtype)
        tgt_pad = solution.padding_mask(tgt_lengths, T).to(self.out.weight.dtype)
        src_x = self.embedding(src) + self.position(torch.arange(S, device=src.device))
        tgt_x = self.embedding(tgt_in) + self.position(torch.arange(T, device=src.device))
        hidden = self.transformer(
            src_x,
            tgt_x,
            tgt_mask=torch.ones(T, T, device=src.device, dtype=self.out.weight.dtype).triu(1),
            src_key_padding_mask=src_pad,
            memory_key_padding_mask=src_pad,
            tgt_key_padding_mask=tgt_pad,
        )
        return self.out(hidden)
