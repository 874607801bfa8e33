"""Mistake: missing keys read as 0.

A mapping that is not a memory_stats() result (a typo in a key, a nested dict from
memory_stats_as_nested_dict) then reports "nothing allocated" instead of failing.
"""

CAUGHT_BY = "a default of 0, which hides a wrong mapping"
REJECTED_BY = "test_memory_report_names_a_missing_key"


def memory_report(stats):
    report = {
        "allocated": stats.get("allocated_bytes.all.current", 0),
        "reserved": stats.get("reserved_bytes.all.current", 0),
        "peak_allocated": stats.get("allocated_bytes.all.peak", 0),
        "peak_reserved": stats.get("reserved_bytes.all.peak", 0),
    }
    report["cached"] = report["reserved"] - report["allocated"]
    report["ooms"] = stats.get("num_ooms", 0)
    return report
