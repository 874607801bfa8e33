"""Mistake: the label returned as a 0-d tensor, self.labels[i], not a Python int.

The docstring promises an int; tensors as labels also cost a tensor per item for nothing.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "Python int"
REJECTED_BY = "test_items_are_channel_first_uint8_images_and_int_labels"

solution = solution_for(__file__)


class IdxDataset(solution.IdxDataset):
    def __getitem__(self, index):
        image = self.images[index].unsqueeze(0).clone()
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[index]
