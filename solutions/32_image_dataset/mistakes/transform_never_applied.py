"""Mistake: the transform is stored in __init__ but __getitem__ never calls it.

Every item comes back as raw uint8, and the model trains on unnormalised 0..255 input.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "never applied"
REJECTED_BY = "test_transform_is_applied_to_the_image_only"

solution = solution_for(__file__)


class IdxDataset(solution.IdxDataset):
    def __getitem__(self, index):
        return self.images[index].unsqueeze(0).clone(), int(self.labels[index])
