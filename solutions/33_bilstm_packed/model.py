"""Kata 33: a BiLSTM classifier over padded batches, with packing. See README.md."""

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence


class BiLSTMClassifier(nn.Module):
    """Classify token sequences with a bidirectional LSTM that never reads the padding.

    Submodules, by these names (the tests read and copy their weights):
      embedding: nn.Embedding(vocab_size, embed_dim, padding_idx=pad_idx)
      lstm:      nn.LSTM(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                         bidirectional=True)
      fc:        nn.Linear(2 * hidden_dim, num_classes), called once per forward on the
                 (B, 2 * hidden_dim) sequence representation
    No other parameters.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_dim: int,
        num_classes: int,
        pad_idx: int = 0,
        num_layers: int = 1,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_idx)
        self.lstm = nn.LSTM(
            embed_dim, hidden_dim, num_layers=num_layers, batch_first=True, bidirectional=True
        )
        self.fc = nn.Linear(2 * hidden_dim, num_classes)

    def forward(self, tokens: Tensor, lengths: Tensor) -> Tensor:
        """Logits for a right-padded batch.

        tokens: (B, T) long, row b holding its real tokens in columns 0..lengths[b]-1;
        whatever sits in later columns is ignored. lengths: (B,) long, 1 <= lengths[b] <= T,
        in any order (the batch need not be sorted), on the same device as tokens.
        Returns logits (B, num_classes) in the batch's order, on tokens' device.
        The representation passed to fc is, for row b, the top layer's forward-direction
        output at its last real token (t = lengths[b] - 1) followed by the backward-direction
        output at its first token (t = 0): exactly what running row b alone, unpadded, gives.
        So the logits do not depend on how much padding the batch has.
        """
        embedded = self.embedding(tokens)  # (B, T, E)
        # packing needs lengths on the CPU; enforce_sorted=False sorts inside and unsorts h_n
        packed = pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = self.lstm(packed)  # h_n: (num_layers * 2, B, H), layer-major
        # the top layer's forward state ends at lengths - 1, its backward state at t = 0
        hidden = torch.cat([h_n[-2], h_n[-1]], dim=1)  # (B, 2H)
        return self.fc(hidden)  # (B, C)
