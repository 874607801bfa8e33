"""Mistake: no optimizer.zero_grad() in the epoch loop.

backward() adds into .grad: each step uses the sum of every epoch's gradients so far.
"""

import torch.nn.functional as F

CAUGHT_BY = "no optimizer.zero_grad()"
REJECTED_BY = "test_train_equals_a_reference_loop"


def train(model, optimizer, x, y, epochs):
    losses = []
    for _ in range(epochs):
        model.train()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
