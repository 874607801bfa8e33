"""Mistake: to_device() moves only the batch and returns the model as it was.

The model's parameters stay on their old device, so the first forward pass fails with
"Expected all tensors to be on the same device".
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the model was not moved"
REJECTED_BY = "test_to_device_moves_model_and_nested_batch"


def to_device(model, batch, device):
    return model, solution._move(batch, device)
