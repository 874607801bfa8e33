"""Mistake: the header's integers read little-endian (struct "<i", or np.frombuffer int32).

IDX stores its magic number and sizes big-endian; read little-endian, 3 images become
50331648 and no file is ever the right length.
"""

import math
import struct
from pathlib import Path

import torch

CAUGHT_BY = "big-endian"
REJECTED_BY = "test_images_are_decoded_exactly"


def _read_idx(path, magic, kind):
    data = Path(path).read_bytes()
    n_dims = magic & 0xFF
    header = 4 * (1 + n_dims)
    if len(data) < header:
        raise ValueError(f"{path}: truncated header")
    found, *sizes = struct.unpack(f"<{1 + n_dims}i", data[:header])
    if found != magic and found != int.from_bytes(struct.pack(">i", magic), "little"):
        raise ValueError(f"{path}: wrong magic number {found:#x}")
    if len(data) != header + math.prod(sizes):
        raise ValueError(f"{path}: the sizes {sizes} do not match the file's length")
    return torch.frombuffer(bytearray(data[header:]), dtype=torch.uint8).reshape(sizes)


def read_idx_images(path):
    return _read_idx(path, 0x00000803, "image")


def read_idx_labels(path):
    return _read_idx(path, 0x00000801, "label").long()
