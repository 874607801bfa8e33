"""Mistake: freeze_batchnorm() calls model.train() first, then freezes BatchNorm.

It assumes the model is training; a model in eval mode (being evaluated, or frozen
before) comes back with Dropout active.
"""

from torch import nn

CAUGHT_BY = "model.train() first"
REJECTED_BY = "test_freeze_batchnorm_keeps_an_eval_model_in_eval"


def freeze_batchnorm(model):
    model.train()
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
            m.requires_grad_(False)
