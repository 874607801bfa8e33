"""Mistake: v2.ToDtype(torch.float32) without scale=True.

The pixels stay 0..255 as floats; Normalize with MNIST's mean and std then gives values
in the hundreds.
"""

CAUGHT_BY = "scale=True"
REJECTED_BY = "test_transform_normalises_like_the_formula"


def mnist_transform(mean, std):
    import torch
    from torchvision.transforms import v2

    return v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32), v2.Normalize([mean], [std])])
