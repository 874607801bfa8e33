"""Mistake: loading the whole file strictly into resnet18(weights=None), then the new head.

It works only when the saved head has resnet18's 1000 classes; a file fine-tuned for 10
classes fails with a size mismatch on fc.weight. Drop the saved head's keys first.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "drop the saved head"
REJECTED_BY = "test_backbone_weights_and_statistics_come_from_the_file"

solution = solution_for(__file__)


def load_pretrained(path, num_classes):
    import torchvision

    model = torchvision.models.resnet18(weights=None)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    solution.replace_head(model, num_classes)
    return model
