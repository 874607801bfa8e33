"""Mistake: the sizes unpacked as N, W, H instead of N, H (rows), W (columns).

Every image comes back transposed-and-scrambled, which square 28 x 28 MNIST never shows.
"""

import math
import struct
from pathlib import Path

import torch

CAUGHT_BY = "rows and columns"
REJECTED_BY = "test_images_are_decoded_exactly"


def read_idx_images(path):
    data = Path(path).read_bytes()
    if len(data) < 16:
        raise ValueError(f"{path}: truncated header")
    magic, n, w, h = struct.unpack(">4i", data[:16])
    if magic != 0x00000803:
        raise ValueError(f"{path}: wrong magic number {magic:#x}")
    if len(data) != 16 + math.prod((n, h, w)):
        raise ValueError(f"{path}: the length does not match the header")
    return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(n, h, w)
