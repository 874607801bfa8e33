"""Mistake: train_step only puts the frozen BatchNorms in eval mode, never calls model.train().

After a validation pass the caller's model is in eval mode: the trainable BatchNorms then
train on running statistics they never update.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "no model.train()"
REJECTED_BY = "test_trainable_layers_train_even_if_the_caller_left_eval_mode"

solution = solution_for(__file__)


def train_step(model, optimizer, inputs, targets):
    for module in model.modules():
        if solution._is_frozen_batchnorm(module):
            module.eval()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
