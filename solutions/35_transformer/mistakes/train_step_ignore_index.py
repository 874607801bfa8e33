"""Mistake: the loss masks padding with ignore_index=pad_idx instead of by tgt_lengths.

Right only when every padded position holds pad_idx; when it holds anything else, padded
positions enter the loss.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "including the padded positions"
REJECTED_BY = "test_train_step_takes_one_exact_teacher_forced_step"


def train_step(model, optimizer, src, src_lengths, tgt, tgt_lengths):
    logits = model(src, src_lengths, solution.shift_right(tgt, model.bos_idx), tgt_lengths)
    loss = F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), ignore_index=model.pad_idx)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
