"""Mistake: nn.Transformer (and its encoder layers) left at batch_first=False.

The inputs are (B, T, D): read as (T, B, D), batch and time swap roles, and every position
attends across the batch instead of along its sequence.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "batch_first"
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
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout)
        encoder = nn.TransformerEncoder(
            layer, num_encoder_layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False
        )
        self.transformer = nn.Transformer(
            d_model,
            nhead,
            num_encoder_layers,
            num_decoder_layers,
            dim_feedforward,
            dropout,
            custom_encoder=encoder,
        )
