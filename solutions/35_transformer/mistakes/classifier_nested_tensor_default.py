"""Mistake: nn.TransformerEncoder(layer, num_layers) with enable_nested_tensor left True.

In eval() under no_grad() torch turns the padded batch into a nested tensor and warns that
nested tensors are a prototype (and padded outputs come back as zeros).
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "nested tensors are a prototype"
REJECTED_BY = "test_classifier_submodules_have_the_documented_names_and_sizes"


class TransformerClassifier(solution.TransformerClassifier):
    def __init__(
        self,
        vocab_size,
        d_model,
        nhead,
        num_layers,
        num_classes,
        dim_feedforward,
        pad_idx=0,
        max_len=64,
        dropout=0.0,
    ):
        super().__init__(
            vocab_size,
            d_model,
            nhead,
            num_layers,
            num_classes,
            dim_feedforward,
            pad_idx,
            max_len,
            dropout,
        )
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward, dropout, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers)
