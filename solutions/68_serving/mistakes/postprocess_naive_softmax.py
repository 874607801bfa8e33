"""Mistake: softmax written as exp(logits) / exp(logits).sum().

exp(1000.) is inf in any float type, and inf / inf is NaN: large logits give NaN
probabilities (torch.softmax subtracts the row's maximum first).
"""

CAUGHT_BY = "overflows"
REJECTED_BY = "test_postprocess_large_logits_do_not_overflow"


def postprocess(logits, labels):
    if logits.dim() != 2 or logits.shape[1] != len(labels):
        raise ValueError(f"logits of shape {tuple(logits.shape)} do not match the labels")
    e = logits.detach().double().exp()
    probs = (e / e.sum(dim=1, keepdim=True)).cpu()
    best = logits.argmax(dim=1).tolist()
    return [{"label": labels[k], "probs": row} for k, row in zip(best, probs.tolist(), strict=True)]
