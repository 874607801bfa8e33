"""Mistake: the magic number is skipped, never compared.

A label file, a file of another type, or not an IDX file at all is decoded as if it were
images, and the error shows up far away, as garbage.
"""

import math
import struct
from pathlib import Path

import torch

CAUGHT_BY = "magic number is not checked"
REJECTED_BY = "test_wrong_magic_number_raises_value_error"


def _read_idx(path, n_dims):
    data = Path(path).read_bytes()
    header = 4 * (1 + n_dims)
    if len(data) < header:
        raise ValueError(f"{path}: truncated header")
    sizes = struct.unpack(f">{n_dims}i", data[4:header])
    if len(data) != header + math.prod(sizes):
        raise ValueError(f"{path}: the length does not match the header")
    return torch.frombuffer(bytearray(data[header:]), dtype=torch.uint8).reshape(sizes)


def read_idx_images(path):
    return _read_idx(path, 3)


def read_idx_labels(path):
    return _read_idx(path, 1).long()
