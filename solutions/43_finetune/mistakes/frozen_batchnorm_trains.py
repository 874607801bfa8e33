"""Mistake: train_step calls model.train() and nothing else.

model.train() puts every submodule in train mode, the frozen BatchNorms that freeze had
put in eval mode too: their running statistics change on every batch.
"""

import torch.nn.functional as F

CAUGHT_BY = "running statistics"
REJECTED_BY = "test_frozen_batchnorm_keeps_its_statistics_after_model_train"


def train_step(model, optimizer, inputs, targets):
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
