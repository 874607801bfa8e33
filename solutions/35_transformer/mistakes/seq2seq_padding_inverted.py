"""Mistake: the source padding mask inverted (True at the real tokens).

In nn.Transformer a bool key padding mask is True at padding; inverted, the encoder and the
decoder read only the padding (and rows without padding become NaN).
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "inverted"
REJECTED_BY = "test_seq2seq_equals_nn_transformer_run_time_first"


class Seq2SeqTransformer(solution.Seq2SeqTransformer):
    def forward(self, src, src_lengths, tgt_in, tgt_lengths):
        S, T = src.size(1), tgt_in.size(1)
        src_pad = ~solution.padding_mask(src_lengths, S)
        tgt_pad = solution.padding_mask(tgt_lengths, T)
        src_x = self.embedding(src) + self.position(torch.arange(S, device=src.device))
        tgt_x = self.embedding(tgt_in) + self.position(torch.arange(T, device=src.device))
        hidden = self.transformer(
            src_x,
            tgt_x,
            tgt_mask=solution.causal_mask(T, dtype=torch.bool, device=src.device),
            src_key_padding_mask=src_pad,
            memory_key_padding_mask=src_pad,
            tgt_key_padding_mask=tgt_pad,
        )
        return self.out(hidden)
