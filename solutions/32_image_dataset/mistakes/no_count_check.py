"""Mistake: the image and label counts are never compared.

With more images than labels the last items fail with an IndexError at the end of an
epoch; with more labels they are silently ignored.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "no check that the files hold different numbers"
REJECTED_BY = "test_different_counts_raise_value_error"

solution = solution_for(__file__)


class IdxDataset(solution.IdxDataset):
    def __init__(self, images_path, labels_path, transform=None):
        self.images = solution.read_idx_images(images_path)
        self.labels = solution.read_idx_labels(labels_path)
        self.transform = transform
