"""Mistake: accumulate_gradients starts with model.zero_grad().

Its contract is backward()'s: add to .grad. Zeroing inside makes it impossible to
accumulate over several calls (the caller zeroes once per cycle).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "zero_grad inside accumulate_gradients"
REJECTED_BY = "test_gradients_are_added_to_what_grad_holds"

solution = solution_for(__file__)


def accumulate_gradients(model, inputs, targets, loss_fn, micro_batch_size):
    model.zero_grad()
    return solution.accumulate_gradients(model, inputs, targets, loss_fn, micro_batch_size)
