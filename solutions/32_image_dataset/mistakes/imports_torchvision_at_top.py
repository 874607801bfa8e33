"""Mistake: `from torchvision.transforms import v2` at the top of the module.

It works, but every import of the module (and every DataLoader worker started with spawn)
now loads torchvision, about a second, even for code that only decodes IDX files.
"""

import torch
from torchvision.transforms import v2

CAUGHT_BY = "at import time of the module"
REJECTED_BY = "test_torchvision_is_imported_inside_the_function_only"


def mnist_transform(mean, std):
    return v2.Compose(
        [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize([mean], [std])]
    )
