"""Mistake: saving the compiled wrapper's own state_dict().

Its keys start with "_orig_mod.", so the file does not load into an uncompiled model.
"""

CAUGHT_BY = "'_orig_mod.'"
REJECTED_BY = "test_saveable_state_dict_has_the_plain_modules_keys"


def saveable_state_dict(model):
    return model.state_dict()
