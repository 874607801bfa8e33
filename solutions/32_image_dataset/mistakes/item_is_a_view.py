"""Mistake: the item is self.images[i].unsqueeze(0), a view of the dataset's own tensor.

A caller or transform that edits the image in place (x.sub_(mean)) changes the dataset for
every later epoch.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "view of the dataset's own tensor"
REJECTED_BY = "test_items_are_copies"

solution = solution_for(__file__)


class IdxDataset(solution.IdxDataset):
    def __getitem__(self, index):
        image = self.images[index].unsqueeze(0)
        label = int(self.labels[index])
        if self.transform is not None:
            image = self.transform(image)
        return image, label
