"""Mistake: no optimizer.zero_grad() in train_step.

backward() adds into .grad, so every step also applies the gradients of earlier batches.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "plus the stale one"
REJECTED_BY = "test_stale_gradients_are_cleared_before_backward"

solution = solution_for(__file__)


def train_step(model, optimizer, inputs, targets):
    model.train()
    for module in model.modules():
        if solution._is_frozen_batchnorm(module):
            module.eval()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
