"""Mistake: torch.load(path, weights_only=False), copied from old code.

A weights file from someone else can then run any code while it is unpickled.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "ran code from the file"
REJECTED_BY = "test_an_untrusted_file_is_refused_without_running_it"

solution = solution_for(__file__)


def load_pretrained(path, num_classes):
    import torchvision

    model = torchvision.models.resnet18(weights=None)
    state = torch.load(path, map_location="cpu", weights_only=False)
    solution.replace_head(model, num_classes)
    model.load_state_dict({k: v for k, v in state.items() if not k.startswith("fc.")}, strict=False)
    return model
