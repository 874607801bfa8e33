"""Mistake: the peaks read from the ".current" keys.

The current value is what is held now; the peak since the last reset is in ".peak".
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the current value, not the peak"
REJECTED_BY = "test_memory_report_reads_the_right_keys"

solution = solution_for(__file__)


def memory_report(stats):
    report = solution.memory_report(stats)
    if stats:
        report["peak_allocated"] = stats["allocated_bytes.all.current"]
        report["peak_reserved"] = stats["reserved_bytes.all.current"]
    return report
