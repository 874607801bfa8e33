"""Mistake: nn.Transformer(..., batch_first=True) with its default encoder.

That encoder has enable_nested_tensor=True: in eval() under no_grad() a padded source
becomes a nested tensor, and torch warns that nested tensors are a prototype.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "nested tensors are a prototype"
REJECTED_BY = "test_seq2seq_submodules_have_the_documented_names_and_sizes"


class Seq2SeqTransformer(solution.Seq2SeqTransformer):
    def __init__(
        self,
        vocab_size,
        d_model,
        nhead,
        num_encoder_layers,
        num_decoder_layers,
        dim_feedforward,
        pad_idx=0,
        bos_idx=1,
        max_len=64,
        dropout=0.0,
    ):
        super().__init__(
            vocab_size,
            d_model,
            nhead,
            num_encoder_layers,
            num_decoder_layers,
            dim_feedforward,
            pad_idx,
            bos_idx,
            max_len,
            dropout,
        )
        self.transformer = nn.Transformer(
            d_model,
            nhead,
            num_encoder_layers,
            num_decoder_layers,
            dim_feedforward,
            dropout,
            batch_first=True,
        )
