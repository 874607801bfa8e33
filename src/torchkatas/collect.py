"""A pytest plugin that writes each test's outcome to a JSON file, for the `kata` command.

The `kata` command runs pytest with ``-p torchkatas.collect`` and the environment variable
``KATA_REPORT=<file>``; at the end of the session this plugin writes::

    {"exitstatus": 1, "duration": 0.8, "tests": [
        {"nodeid": "katas/03_autograd/test_autograd.py::test_x", "outcome": "failed",
         "message": "not implemented yet: derivative() in ...", "status": "not-started",
         "task": 1}, ...]}

One entry per test (setup, call and teardown folded into one outcome; a collection error is
an entry of its own). It works under pytest-xdist: the controller writes the file, from the
reports the workers send. Without KATA_REPORT it does nothing.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from torchkatas.runner import REPORT_ENV as ENV
from torchkatas.runner import now_file

_TASK = "kata_task"  # user property: the test's @pytest.mark.task(n)
_RANK = {"passed": 0, "skipped": 1, "failed": 2}


class _Collector:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = time.monotonic()
        self.tests: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, int] = {}

    def add(self, nodeid: str, outcome: str, message: str, props: dict[str, Any]) -> None:
        entry = self.tests.get(nodeid)
        if entry is not None and _RANK[outcome] <= _RANK[entry["outcome"]]:
            return  # a passed teardown never hides a failed call
        self.tests[nodeid] = {
            "nodeid": nodeid,
            "outcome": outcome,
            "message": message,
            "status": props.get("kata_status"),
        }

    def running(self, nodeid: str) -> None:
        """Say which test runs now (`kata run` shows it, with how long it has been running)."""
        data = {"test": nodeid, "since": time.time(), "done": len(self.tests)}
        tmp = self.path.with_name(self.path.name + ".now.tmp")
        try:
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, now_file(self.path))
        except OSError:
            pass  # only a progress display: never fail a run for it

    def write(self, exitstatus: int) -> None:
        data = {
            "exitstatus": int(exitstatus),
            "duration": round(time.monotonic() - self.start, 3),
            "tests": [{**t, "task": self.tasks.get(n)} for n, t in self.tests.items()],
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.path)
        now_file(self.path).unlink(missing_ok=True)


_collector: _Collector | None = None


MAX_LINES, MAX_CHARS = 12, 2000  # a message longer than this is cut, with a pointer to the log


def message_of(longrepr: Any) -> str:
    """The whole message a learner needs from a report's longrepr: its first paragraph.

    For a failed assertion that is the assertion's message (all its lines); for the
    harness's own reports (not started, a crash, a timeout) the message above the traceback.
    Very long messages (a rank's traceback, say) are cut; the log has the rest.
    """
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(longrepr)
    # the harness's messages are all AssertionErrors: the name adds nothing
    text = text.strip().removeprefix("AssertionError: ")
    paragraph = text.split("\n\n", 1)[0].strip()
    lines = [line.rstrip() for line in paragraph.splitlines() if line.strip()]
    cut = len(lines) > MAX_LINES or len(paragraph) > MAX_CHARS
    kept = "\n".join(lines[:MAX_LINES])[:MAX_CHARS]
    return kept + (" [...] (the rest is in the log)" if cut else "")


def pytest_configure(config: pytest.Config) -> None:
    global _collector
    target = os.environ.get(ENV)
    if target and not hasattr(config, "workerinput"):  # xdist workers only send reports
        _collector = _Collector(Path(target))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    marker = item.get_closest_marker("task")
    if marker is not None and report.when == "setup":
        task = marker.args[0] if marker.args else marker.kwargs.get("taskno")
        if isinstance(task, int):
            report.user_properties.append((_TASK, task))
    return report


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    if _collector is not None:
        _collector.running(nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _collector is None:
        return
    props = dict(report.user_properties)
    if isinstance(props.get(_TASK), int):
        _collector.tasks[report.nodeid] = props[_TASK]
    if report.when == "call" or not report.passed:
        message = "" if report.passed else message_of(report.longrepr)
        _collector.add(report.nodeid, report.outcome, message, props)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if _collector is not None and report.failed:
        message = message_of(report.longrepr) or "the test file does not import"
        _collector.add(report.nodeid, "failed", f"collection error: {message}", {})


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _collector is not None:
        _collector.write(exitstatus)
