"""Mistake: the file's length is never compared with the header's sizes.

A truncated download then fails inside reshape with a RuntimeError about shapes (or,
for a cut header, inside struct), not with a message that names the file's problem.
"""

import struct
from pathlib import Path

import torch

CAUGHT_BY = "no check of the file's length"
REJECTED_BY = "test_truncated_or_overlong_image_file_raises_value_error"


def _read_idx(path, magic):
    data = Path(path).read_bytes()
    n_dims = magic & 0xFF
    found, *sizes = struct.unpack(f">{1 + n_dims}i", data[: 4 * (1 + n_dims)])
    if found != magic:
        raise ValueError(f"{path}: wrong magic number {found:#x}")
    return torch.frombuffer(bytearray(data[4 * (1 + n_dims) :]), dtype=torch.uint8).reshape(sizes)


def read_idx_images(path):
    return _read_idx(path, 0x00000803)


def read_idx_labels(path):
    return _read_idx(path, 0x00000801).long()
