"""Mistake: fit evaluates before training in each epoch.

The validation numbers then describe the model of the previous epoch, and the last
epoch's training is never validated.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "validating before training"
REJECTED_BY = "test_fit_history_equals_the_reference"

solution = solution_for(__file__)


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs):
        val_loss, val_accuracy = solution.evaluate(model, val_loader, loss_fn)
        train_loss = solution.train_epoch(model, train_loader, loss_fn, optimizer)
        history.append(
            {"train_loss": train_loss, "val_loss": val_loss, "val_accuracy": val_accuracy}
        )
    return history
