"""Mistake: the image size hard-coded to MNIST's 28 x 28; only N is read from the header.

Right for MNIST itself, wrong for every other IDX file (EMNIST letters, a cropped set, the
tests' random sizes).
"""

import struct
from pathlib import Path

import torch

CAUGHT_BY = "hard-coded"
REJECTED_BY = "test_images_are_decoded_exactly"


def read_idx_images(path):
    data = Path(path).read_bytes()
    if len(data) < 16:
        raise ValueError(f"{path}: truncated header")
    magic, n = struct.unpack(">2i", data[:8])
    if magic != 0x00000803:
        raise ValueError(f"{path}: wrong magic number {magic:#x}")
    pixels = torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8)
    return pixels.reshape(n, 28, 28)
