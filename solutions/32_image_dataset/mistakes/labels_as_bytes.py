"""Mistake: the labels returned as the raw torch.uint8 bytes.

F.cross_entropy wants class targets as torch.long; uint8 targets fail there, far from
the dataset.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "torch.long"
REJECTED_BY = "test_labels_are_decoded_exactly_as_long"

solution = solution_for(__file__)


def read_idx_labels(path):
    return solution._read_idx(path, solution.LABELS_MAGIC, "label")
