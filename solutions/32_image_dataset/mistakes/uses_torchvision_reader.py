"""Mistake: decoding with torchvision.datasets.mnist.read_image_file.

It reads IDX files, but the kata asks for the decoding, and torchvision's MNIST class (its
neighbour) looks for, and downloads, files of its own.
"""

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_decoding_uses_no_torchvision_reader"


def read_idx_images(path):
    from torchvision.datasets.mnist import read_image_file

    return read_image_file(str(path))
