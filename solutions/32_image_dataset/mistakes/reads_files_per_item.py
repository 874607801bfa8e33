"""Mistake: the dataset keeps the paths and decodes the files in every __getitem__.

A whole file is read and decoded per item, and the dataset breaks as soon as the files
move.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "read once, in __init__"
REJECTED_BY = "test_files_are_read_once_in_init"

solution = solution_for(__file__)


class IdxDataset(solution.IdxDataset):
    def __init__(self, images_path, labels_path, transform=None):
        super().__init__(images_path, labels_path, transform)
        self.paths = (images_path, labels_path)

    def __getitem__(self, index):
        images = solution.read_idx_images(self.paths[0])
        labels = solution.read_idx_labels(self.paths[1])
        image = images[index].unsqueeze(0).clone()
        label = int(labels[index])
        if self.transform is not None:
            image = self.transform(image)
        return image, label
