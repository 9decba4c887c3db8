"""Start Odoo as a multi-worker server, talk to it, and require a clean log.

Usage: python check_server_log.py ODOO_BIN ODOO_CONF DATABASE HTTP_PORT LOG
           [-- COMMAND...]

The server runs two HTTP workers, a cron worker and the gevent process on
127.0.0.1 only. A COMMAND given after ``--`` runs while the server is up
(check_concurrency.py); its failure fails the check. The check fails on any
traceback, error or critical line in the log, and when the gevent process
started more than once (a crash loop).

One kind of error line is expected under concurrency and not counted: Odoo
logs every failed query as a "bad query" error, also a serialization failure,
lock timeout, deadlock or duplicate key of a race between two workers, which
its ``retrying`` then replays (logging "tries left" at info level). A race
that is not retried leaves a traceback or another error line, still counted.
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import websocket

STARTUP_SECONDS = 90
SETTLE_SECONDS = 8
# Log records start with a timestamp; a record spans its continuation lines.
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ", re.MULTILINE)
RETRIED_RACE = re.compile(
    r"^\S+ \S+ \d+ ERROR \S+ odoo\.sql_db: bad query: .*\nERROR: +"
    r"(could not serialize access|canceling statement due to lock timeout"
    r"|could not obtain lock|deadlock detected"
    r"|duplicate key value violates unique constraint "
    r'"crm_intake_submission_idempotency_unique")',
    re.DOTALL,
)
BAD_LINE = re.compile(r"Traceback|^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.MULTILINE)
GEVENT_START = "Evented Service (longpolling) running"


def wait_until_up(url):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(1)
    return False


def open_websocket(url, origin):
    # The gevent process is spawned after the workers and takes a while.
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            websocket.create_connection(url, origin=origin, timeout=10).close()
            return True
        except (OSError, websocket.WebSocketException):
            time.sleep(1)
    return False


def main():
    odoo_bin, conf, database, http_port, log_path = sys.argv[1:6]
    during = sys.argv[7:] if sys.argv[6:7] == ["--"] else []
    gevent_port = int(http_port) + 3
    command = [
        sys.executable,
        odoo_bin,
        "-c",
        conf,
        "-d",
        database,
        f"--db-filter=^{database}$",
        "--workers=2",
        "--max-cron-threads=1",
        f"--http-port={http_port}",
        f"--gevent-port={gevent_port}",
        f"--logfile={log_path}",
    ]
    # Odoo appends to its log file: start from an empty one.
    open(log_path, "w", encoding="utf-8").close()
    # Early crashes (before Odoo's logging is set up) go to stderr.
    stderr_path = f"{log_path}.stderr"
    with open(stderr_path, "w", encoding="utf-8") as stderr:
        server = subprocess.Popen(
            command, start_new_session=True, stdout=stderr, stderr=stderr
        )
    problems = []
    try:
        base = f"http://127.0.0.1:{http_port}"
        if not wait_until_up(f"{base}/web/health"):
            problems.append(f"no answer on {base}/web/health")
        else:
            urllib.request.urlopen(f"{base}/web/login", timeout=30).read()
            if not open_websocket(f"ws://127.0.0.1:{gevent_port}/websocket", base):
                problems.append(f"no websocket on port {gevent_port}")
            if during and subprocess.run(during, check=False).returncode:
                problems.append(f"{os.path.basename(during[1])} failed")
        time.sleep(SETTLE_SECONDS)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    log = ""
    for path in (log_path, stderr_path):
        with open(path, encoding="utf-8") as log_file:
            log += log_file.read()
    starts = [match.start() for match in RECORD_START.finditer(log)]
    records = [log[a:b] for a, b in zip([0, *starts], [*starts, len(log)], strict=True)]
    log = "".join(record for record in records if not RETRIED_RACE.match(record))
    problems += [match.group(0) for match in BAD_LINE.finditer(log)][:5]
    if log.count(GEVENT_START) != 1:
        problems.append(f"gevent process started {log.count(GEVENT_START)} times")
    if problems:
        print(f"multi-worker server log is not clean ({log_path}):")
        for problem in problems:
            print(f"  {problem}")
        sys.exit(1)
    print("  multi-worker server (2 HTTP workers, cron, gevent): log clean")


if __name__ == "__main__":
    main()
