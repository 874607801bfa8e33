"""Mistake: scaling by 1 / n through loss.backward(gradient=torch.tensor(1 / n)).

A 0-d gradient fits only a 0-d loss; loss_fn may return any single-element tensor, such
as shape (1,), and backward then raises "Mismatch in shape". Divide the loss instead.
"""

import torch

CAUGHT_BY = "Mismatch in shape"
REJECTED_BY = "test_accumulate_takes_a_loss_of_shape_one"


def accumulate_gradients(loss_fn, w, batches):
    if len(batches) == 0:
        raise ValueError("batches must not be empty")
    w.grad = None
    for batch in batches:
        loss = loss_fn(w, batch)
        loss.backward(gradient=torch.tensor(1 / len(batches), dtype=loss.dtype, device=loss.device))
    return w.grad
