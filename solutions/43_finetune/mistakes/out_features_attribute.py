"""Mistake: changing the head by setting model.fc.out_features = num_classes.

out_features is only a number the module keeps for its repr; the weight keeps its old
shape, so the model still predicts the old number of classes.
"""

CAUGHT_BY = "changes a number and not the weight"
REJECTED_BY = "test_new_head_takes_in_features_from_the_model"


def replace_head(model, num_classes):
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    model.fc.out_features = num_classes
    return model.fc
