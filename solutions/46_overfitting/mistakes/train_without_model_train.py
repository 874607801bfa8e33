"""Mistake: train() never calls model.train().

After the first evaluate() the model stays in eval mode: Dropout is off for the rest of
training, and the "regularised" model trains like the plain one.
"""

import torch.nn.functional as F

CAUGHT_BY = "no model.train() in train"
REJECTED_BY = "test_train_trains_with_dropout_on_even_after_evaluate"


def train(model, optimizer, x, y, epochs):
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
