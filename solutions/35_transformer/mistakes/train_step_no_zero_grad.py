"""Mistake: no optimizer.zero_grad(): this batch's gradients add to the old ones.

backward() accumulates into .grad, so the step uses the sum of every batch so far.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "stale gradients"
REJECTED_BY = "test_train_step_takes_one_exact_teacher_forced_step"


def train_step(model, optimizer, src, src_lengths, tgt, tgt_lengths):
    logits = model(src, src_lengths, solution.shift_right(tgt, model.bos_idx), tgt_lengths)
    real = ~solution.padding_mask(tgt_lengths, tgt.size(1))
    loss = F.cross_entropy(logits[real], tgt[real])
    loss.backward()
    optimizer.step()
    return loss.item()
