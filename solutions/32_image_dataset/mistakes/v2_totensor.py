"""Mistake: v2.ToTensor() instead of v2.ToImage() + v2.ToDtype(..., scale=True).

ToTensor is deprecated in transforms v2 (it warns) and does not turn a uint8 tensor into
floats in 0..1.
"""

CAUGHT_BY = "is deprecated"
REJECTED_BY = "test_transform_normalises_like_the_formula"


def mnist_transform(mean, std):
    from torchvision.transforms import v2

    return v2.Compose([v2.ToTensor(), v2.Normalize([mean], [std])])
