"""Mistake: dataset items are (H, W) images, without the channel dimension.

torchvision transforms and Conv2d expect (C, H, W); the missing grey channel breaks
batching into (B, 1, H, W).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "no channel dimension"
REJECTED_BY = "test_items_are_channel_first_uint8_images_and_int_labels"

solution = solution_for(__file__)


class IdxDataset(solution.IdxDataset):
    def __getitem__(self, index):
        image = self.images[index].clone()
        label = int(self.labels[index])
        if self.transform is not None:
            image = self.transform(image)
        return image, label
