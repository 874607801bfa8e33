"""Mistake: watch decides from the live-tensor count alone.

In a training loop, backward() frees the tensors each graph saved; `total_loss += loss`
then keeps only graph nodes, so no tensor count grows: the classic leak goes unseen.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "counted only live tensors"
REJECTED_BY = "test_watch_flags_the_total_loss_leak_in_a_training_loop"

solution = solution_for(__file__)


def watch(step, iterations=5, warmup=1):
    report = solution.watch(step, iterations, warmup)
    report["leaking"] = report["tensors"][-1] > report["tensors"][0]
    return report
