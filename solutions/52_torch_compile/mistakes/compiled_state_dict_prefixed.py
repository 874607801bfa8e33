"""Mistake: saving the compiled wrapper's own state_dict().

Its keys start with "_orig_mod.", so the file does not load into an uncompiled model.
"""

CAUGHT_BY = "'_orig_mod.'"


def saveable_state_dict(model):
    return model.state_dict()
