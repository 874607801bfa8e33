"""Mistake: eps added after the square root, x / (sqrt(mean(x ** 2)) + eps).

Close to the right answer for rows of size 1, far off for rows of small values: eps
belongs inside the square root, as torch.nn.functional.rms_norm puts it.
"""

CAUGHT_BY = "inside the square root"
REJECTED_BY = "test_reference_equals_torch_rms_norm"


def rms_norm_reference(x, weight, eps):
    return x / (x.pow(2).mean(dim=-1, keepdim=True).sqrt() + eps) * weight
