"""Mistake: packs the batch but reads the unpacked output at the last column, output[:, -1].

For every row shorter than the batch's longest, the last column is padding (zeros after
pad_packed_sequence), and for the longest row the backward half there has seen one token.
"""

from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "output[:, -1] is padding"
REJECTED_BY = "test_representation_is_forward_at_last_token_and_backward_at_first"


class BiLSTMClassifier(solution.BiLSTMClassifier):
    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(
            self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True)
        return self.fc(out[:, -1])
