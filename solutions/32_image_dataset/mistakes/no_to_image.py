"""Mistake: the pipeline starts with ToDtype, without v2.ToImage().

Plain tensors pass through, but they are not marked as images (tv_tensors.Image), so
transforms that treat images, masks and boxes differently cannot tell what they have.
"""

CAUGHT_BY = "no v2.ToImage()"
REJECTED_BY = "test_transform_normalises_like_the_formula"


def mnist_transform(mean, std):
    import torch
    from torchvision.transforms import v2

    return v2.Compose([v2.ToDtype(torch.float32, scale=True), v2.Normalize([mean], [std])])
