"""Mistake: saved_tensor_count() counts an eval-mode forward, then puts the flags back.

The flags come back right, but a model in train mode is not measured as it is: Dropout in
train mode saves its mask, in eval mode nothing, so the count is too low.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the forward ran in eval mode"
REJECTED_BY = "test_saved_tensor_count_leaves_the_model_and_x_alone"


def saved_tensor_count(model, x, mode):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        return solution.saved_tensor_count(model, x, mode)
    finally:
        for m, training in modes.items():
            m.training = training
