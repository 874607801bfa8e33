"""Mistake: resnet18(weights="DEFAULT"), as the tutorials do, before loading the file.

That downloads ImageNet weights from the internet (and would on every machine without a
cache), only to overwrite them with the file's: never download; use weights=None.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "downloads weights"
REJECTED_BY = "test_backbone_weights_and_statistics_come_from_the_file"

solution = solution_for(__file__)


def load_pretrained(path, num_classes):
    import torchvision

    model = torchvision.models.resnet18(weights="DEFAULT")
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict({k: v for k, v in state.items() if not k.startswith("fc.")}, strict=False)
    solution.replace_head(model, num_classes)
    return model
