"""Mistake: no case for the empty mapping.

torch.cuda.memory_stats() is empty until CUDA is initialised: a report at the start of a
program then fails with KeyError instead of saying that nothing is allocated.
"""

CAUGHT_BY = "an empty mapping treated as a broken one"
REJECTED_BY = "test_memory_report_of_an_empty_mapping_is_all_zero"


def memory_report(stats):
    report = {
        "allocated": stats["allocated_bytes.all.current"],
        "reserved": stats["reserved_bytes.all.current"],
        "peak_allocated": stats["allocated_bytes.all.peak"],
        "peak_reserved": stats["reserved_bytes.all.peak"],
    }
    report["cached"] = report["reserved"] - report["allocated"]
    report["ooms"] = stats.get("num_ooms", 0)
    return report
