"""Mistake: cached = allocated - reserved.

Reserved holds the allocated bytes and the cache, so this is minus the cache: negative.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the wrong way round"
REJECTED_BY = "test_memory_report_reads_the_right_keys"

solution = solution_for(__file__)


def memory_report(stats):
    report = solution.memory_report(stats)
    report["cached"] = report["allocated"] - report["reserved"]
    return report
