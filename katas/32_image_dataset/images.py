"""Kata 32: an image Dataset over MNIST-format (IDX) files, with transforms v2. See README.md."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from torch import Tensor
from torch.utils.data import Dataset

IMAGES_MAGIC = 0x00000803  # 2051: unsigned bytes, 3 dimensions (count, rows, columns)
LABELS_MAGIC = 0x00000801  # 2049: unsigned bytes, 1 dimension (count)


def read_idx_images(path: str | Path) -> Tensor:
    """Decode an IDX image file (the MNIST format) into a (N, H, W) torch.uint8 tensor.

    The file is: the magic number 0x00000803 (IMAGES_MAGIC), then N, H (rows) and W
    (columns), each a big-endian 32-bit integer (16 header bytes in all), then N * H * W
    unsigned bytes, image after image, each row by row. N, H and W may be any sizes >= 1
    (not only MNIST's 28 x 28), N = 1 included. Returns a CPU tensor with pixel values
    0..255 exactly as stored.
    Raises ValueError, with a message saying what is wrong, if the magic number is not
    IMAGES_MAGIC, if the file is shorter than its header or than the header's sizes say
    (truncated), or if it has bytes left over after the data. Uses no torchvision reader
    (torchvision.datasets.MNIST looks for downloads).
    """
    # TODO: read the bytes, struct.unpack(">4i", ...) the header, check, then torch.frombuffer
    raise NotImplementedError("TODO: read_idx_images(path)")


def read_idx_labels(path: str | Path) -> Tensor:
    """Decode an IDX label file (the MNIST format) into a (N,) torch.long tensor.

    The file is: the magic number 0x00000801 (LABELS_MAGIC), then N as a big-endian 32-bit
    integer (8 header bytes in all), then N unsigned bytes, one label each (0..255). N >= 1.
    Returns a CPU tensor of dtype torch.long (what cross-entropy wants as targets).
    Raises ValueError, as read_idx_images does, for a wrong magic number (an image file
    included), a truncated file, or bytes left over.
    """
    # TODO: the same as the images, with a 1-integer size after the magic number
    raise NotImplementedError("TODO: read_idx_labels(path)")


class IdxDataset(Dataset):
    """A map-style dataset over one IDX image file and one IDX label file.

    Both files are read once, in __init__ (with read_idx_images / read_idx_labels): the
    dataset keeps the decoded tensors, not paths or open files, so it still works after the
    files are gone. Raises ValueError in __init__ if the two files hold different numbers
    of items. len(dataset) is N.
    Item i is `(image, label)`: label the Python int of labels[i]; image, when transform is
    None, a (1, H, W) torch.uint8 tensor (channel first, as torchvision transforms expect)
    that is a fresh copy (changing it in place does not change the dataset); otherwise
    transform applied to that (1, H, W) uint8 tensor.
    """

    def __init__(
        self,
        images_path: str | Path,
        labels_path: str | Path,
        transform: Callable[[Tensor], Any] | None = None,
    ) -> None:
        # TODO: decode both files here, compare their counts, keep the transform
        raise NotImplementedError("TODO: IdxDataset.__init__")

    def __len__(self) -> int:
        """The number of (image, label) pairs."""
        # TODO: the number of images
        raise NotImplementedError("TODO: IdxDataset.__len__")

    def __getitem__(self, index: int) -> tuple[Any, int]:
        """(image, label): a (1, H, W) uint8 copy, or transform of it; a Python int label."""
        # TODO: a channel dimension, a copy, the transform if any
        raise NotImplementedError("TODO: IdxDataset.__getitem__")


def mnist_transform(mean: float, std: float) -> Callable[[Tensor], Tensor]:
    """The transforms v2 pipeline from a (1, H, W) uint8 image to a normalised float32 input.

    Returns a v2.Compose of ToImage() (the result is a torchvision.tv_tensors.Image),
    ToDtype(torch.float32, scale=True) (pixels 0..255 become 0.0..1.0) and
    Normalize(mean=[mean], std=[std]): applied to x it gives (x / 255 - mean) / std as
    float32, of the same shape, on x's device. Uses transforms v2 only (the v1
    transforms.ToTensor does not take tensors, and v2.ToTensor is deprecated). Import
    torchvision inside this function, so importing this module stays cheap.
    """
    # TODO: from torchvision.transforms import v2; v2.Compose([...])
    raise NotImplementedError("TODO: mnist_transform(mean, std)")
