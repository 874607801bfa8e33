"""Mistake: "allocated" read from reserved_bytes (what nvidia-smi shows, roughly).

Reserved memory includes the allocator's cache: it stays high after tensors are freed, so
it overstates what the tensors need.
"""

CAUGHT_BY = "reading reserved as allocated"
REJECTED_BY = "test_memory_report_reads_the_right_keys"


def memory_report(stats):
    if not stats:
        return dict.fromkeys(
            ["allocated", "reserved", "peak_allocated", "peak_reserved", "cached", "ooms"], 0
        )
    report = {
        "allocated": stats["reserved_bytes.all.current"],
        "reserved": stats["reserved_bytes.all.current"],
        "peak_allocated": stats["allocated_bytes.all.peak"],
        "peak_reserved": stats["reserved_bytes.all.peak"],
    }
    report["cached"] = report["reserved"] - report["allocated"]
    report["ooms"] = stats.get("num_ooms", 0)
    return report
