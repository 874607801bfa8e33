"""Mistake: StepLR's decay applied every epoch, base_lr * gamma ** epoch.

That is ExponentialLR. StepLR multiplies by gamma once every step_size epochs.
"""

CAUGHT_BY = "gamma applied every epoch"
REJECTED_BY = "test_step_lr_equals_the_formula_and_torch"


def step_lr(base_lr, step_size, gamma, epoch):
    if step_size < 1 or epoch < 0:
        raise ValueError("bad arguments")
    return base_lr * gamma**epoch
