"""Mistake: load_state_dict(state, strict=False) and its result ignored.

strict=False lets the head be skipped, but also every other missing or unexpected key: a
file for another architecture loads "successfully" and leaves random weights behind.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "strict=False"
REJECTED_BY = "test_a_file_that_does_not_fit_the_backbone_is_refused"

solution = solution_for(__file__)


def load_pretrained(path, num_classes):
    import torchvision

    model = torchvision.models.resnet18(weights=None)
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = {k: v for k, v in state.items() if not k.startswith("fc.")}
    model.load_state_dict(state, strict=False)
    solution.replace_head(model, num_classes)
    return model
