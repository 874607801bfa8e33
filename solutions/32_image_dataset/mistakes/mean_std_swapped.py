"""Mistake: Normalize(std, mean), the two statistics swapped.

It runs, and gives a distribution centred far from zero: nothing fails until the model
trains badly.
"""

CAUGHT_BY = "mean and std swapped"
REJECTED_BY = "test_transform_normalises_like_the_formula"


def mnist_transform(mean, std):
    import torch
    from torchvision.transforms import v2

    return v2.Compose(
        [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize([std], [mean])]
    )
