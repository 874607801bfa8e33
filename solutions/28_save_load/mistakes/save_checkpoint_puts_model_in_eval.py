"""Mistake: save_checkpoint() calls model.eval() before taking the state_dict()s.

eval() acts in place on the caller's model: training that goes on after a mid-epoch
checkpoint runs with dropout off, unlike the run that was never checkpointed.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "changed the model's training mode"
REJECTED_BY = "test_checkpoint_loads_with_weights_only"


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    model.eval()
    solution.save_checkpoint(path, model, optimizer, scheduler, epoch)
