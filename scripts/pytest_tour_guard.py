"""Pytest plugin: a skipped browser tour is a failure, not a pass.

Odoo skips every tour with only a log line when Chromium or websocket-client
is missing. This plugin turns such skips into a failed run that says what to
install.
"""

import re

import pytest

BROWSER_SKIP = re.compile(r"websocket|chrom|browser", re.IGNORECASE)
_skipped_tours = []


def _is_http_case(item):
    cls = getattr(item, "cls", None)
    return cls is not None and any(
        base.__name__ == "HttpCase" for base in getattr(cls, "__mro__", ())
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
    if _is_http_case(item) or BROWSER_SKIP.search(reason):
        _skipped_tours.append(f"{item.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if _skipped_tours and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if not _skipped_tours:
        return
    terminalreporter.section("browser tests skipped: this run FAILS")
    for line in _skipped_tours:
        terminalreporter.write_line(line)
    terminalreporter.write_line(
        "Install Chromium (apt-get install chromium) and websocket-client "
        "(scripts/requirements-test.txt) so that the tours run."
    )
