"""Mistake: torchvision.transforms.Compose (v1) around v2 transforms.

It happens to run, but the pipeline is not a transforms v2 object: no tv_tensors
dispatch for the whole, and the v1 API is the legacy one.
"""

CAUGHT_BY = "transforms (v1) instead of"
REJECTED_BY = "test_transform_is_a_transforms_v2_pipeline"


def mnist_transform(mean, std):
    import torch
    from torchvision import transforms
    from torchvision.transforms import v2

    return transforms.Compose(
        [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize([mean], [std])]
    )
