"""Mistake: softmax taken with dim=0, down the batch, instead of over each row's classes.

Each column then sums to 1 across the requests: a row's answer depends on the other rows
in its batch, and its probabilities do not sum to 1.
"""

import torch

CAUGHT_BY = "instead of over each row"
REJECTED_BY = "test_postprocess_gives_a_label_and_probabilities_per_row"


def postprocess(logits, labels):
    if logits.dim() != 2 or logits.shape[1] != len(labels):
        raise ValueError(f"logits of shape {tuple(logits.shape)} do not match the labels")
    probs = torch.softmax(logits.detach().double(), dim=0).cpu()
    best = logits.argmax(dim=1).tolist()
    return [{"label": labels[k], "probs": row} for k, row in zip(best, probs.tolist(), strict=True)]
