"""Mistake: the pixels decoded as signed bytes (torch.int8).

IDX data is unsigned: every pixel above 127 comes back negative (255 becomes -1).
"""

import math
import struct
from pathlib import Path

import torch

CAUGHT_BY = "int8"
REJECTED_BY = "test_images_are_decoded_exactly"


def read_idx_images(path):
    data = Path(path).read_bytes()
    if len(data) < 16:
        raise ValueError(f"{path}: truncated header")
    magic, *sizes = struct.unpack(">4i", data[:16])
    if magic != 0x00000803:
        raise ValueError(f"{path}: wrong magic number {magic:#x}")
    if len(data) != 16 + math.prod(sizes):
        raise ValueError(f"{path}: the length does not match the header")
    return torch.frombuffer(bytearray(data[16:]), dtype=torch.int8).reshape(sizes)
