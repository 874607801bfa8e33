"""Mistake: freeze_batchnorm() replaces each BatchNorm's train() so it stays in eval.

It survives a later model.train(), which looks convenient, but breaks the documented
contract (and state a user cannot undo): model.train() no longer reaches these layers.
"""

from torch import nn

CAUGHT_BY = "later model.train()"
REJECTED_BY = "test_later_model_train_unfreezes_batchnorm_modes"


def freeze_batchnorm(model):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
            m.requires_grad_(False)
            m.train = lambda mode=True, m=m: m  # stays in eval whatever the caller asks
