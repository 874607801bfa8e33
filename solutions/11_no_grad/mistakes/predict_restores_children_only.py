"""Mistake: saving and restoring the mode of the model and its direct children only.

model.eval() reaches every submodule, but children() stops one level down: a block nested
inside the model keeps its grandchildren in eval mode, and a frozen BatchNorm in there is
handled by luck only.
"""

import torch

CAUGHT_BY = "changed the training flag of submodule '0.0'"
REJECTED_BY = "test_predict_restores_modes_of_nested_submodules"


def predict(model, x):
    modules = [model, *model.children()]
    modes = {m: m.training for m in modules}
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        for m, training in modes.items():
            m.training = training
