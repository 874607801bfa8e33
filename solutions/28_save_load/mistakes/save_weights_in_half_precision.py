"""Mistake: save_weights() saves model.half().state_dict(), to halve the file's size.

Module.half() casts the caller's model in place: it goes on in float16 after saving, and
the weights saved have lost precision as well.
"""

import torch

CAUGHT_BY = "moved or cast the caller's model"
REJECTED_BY = "test_weights_round_trip"


def save_weights(path, model):
    torch.save(model.half().state_dict(), path)
