"""Mistake: train_step feeds the decoder tgt itself instead of shift_right(tgt).

With the causal mask, position t then sees tgt[:, t], the token it must predict: the loss
drops to near 0 and the model learns to copy its input, useless at inference.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "not shifted"
REJECTED_BY = "test_train_step_takes_one_exact_teacher_forced_step"


def train_step(model, optimizer, src, src_lengths, tgt, tgt_lengths):
    logits = model(src, src_lengths, tgt, tgt_lengths)
    real = ~solution.padding_mask(tgt_lengths, tgt.size(1))
    loss = F.cross_entropy(logits[real], tgt[real])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
