"""Capture plus assignment of one lead: a web enquiry through ``/crm/intake``
(stored, parsed, UTM matched, lead created and assigned by a round-robin rule,
with its log line, chatter note, first-contact activity and notice) against a
plain ``crm.lead`` create of the same values with the salesperson set.

Over HTTP, Odoo runs with 2 workers on 127.0.0.1 and a bounded load comes from
this (second) process: a few client threads, each sending its share of the
requests one after the other; requests per second and p50/p95/p99 latency.
In process, each lead has its own cursor, committed at the end, like one web
request: the cost per lead without the HTTP layer.

Both ways, the two sides take turns (lead by lead in process, in slices of a
run over HTTP): this machine's speed drifts by tens of percent within a
minute, and turns expose both sides to the same drift.
"""

import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

from .assignment import bench_team
from .common import Row, percentile, say, timed

FORM_KEY = "bench-capture"
SOURCES = ("Google", "Facebook", "Instagram", "Wedding fair")
MEDIUMS = ("cpc", "social", "referral")
CAMPAIGN = "Weddings 2027"
PACKAGES = ("Silver", "Gold", "Platinum")
# Set on the bench database's own admin, for the JSON-RPC side only.
BENCH_PASSWORD = "bench-capture-admin"
SERVER_START_TIMEOUT = 300
# Turns per run over HTTP: each side sends a slice of the run's requests in turn.
HTTP_SLICES = 4


def setup(env):
    """The intake form of the first seeded team; the UTM records a JSON-RPC
    client would already know; a rate limit that never trips on 127.0.0.1."""
    team = bench_team(env)
    if not env["crm.intake.form"].search([("key", "=", FORM_KEY)]):
        env["crm.intake.form"].create(
            {
                "name": "Wedding calculator (bench)",
                "key": FORM_KEY,
                "team_id": team.id,
                "company_id": env.company.id,
                "revenue_mode": "quote",
            }
        )
    utm_ids = {}
    for key, model_name, labels in (
        ("utm_source", "utm.source", SOURCES),
        ("utm_medium", "utm.medium", MEDIUMS),
        ("utm_campaign", "utm.campaign", (CAMPAIGN,)),
    ):
        for label in labels:
            record = env[model_name].search([("name", "=", label)], limit=1)
            utm_ids[key, label] = (record or env[model_name].create({"name": label})).id
    env.ref("base.user_admin").password = BENCH_PASSWORD
    env["ir.config_parameter"].set_param(
        "crm_closed_loop.intake_rate_limit", str(10**9)
    )
    env.cr.commit()
    return team, utm_ids


class Enquiries:
    """Distinct enquiries, also across runs of the benchmark on a kept
    database: never a returning contact, never a duplicate submission."""

    def __init__(self):
        self.token = int(time.time())
        self.counter = 0

    def batch(self, size):
        result = []
        for _index in range(size):
            self.counter += 1
            number = self.counter
            unique = (self.token % 10**5) * 10**4 + number
            result.append(
                {
                    "form": FORM_KEY,
                    "name": f"Guest {number}",
                    "email": f"guest{self.token}-{number}@capture.example.com",
                    "phone": f"+27 8{unique // 10**8 % 10} {unique % 10**8:08d}",
                    "company": f"Family {self.token}-{number}",
                    "message": "We would like a quote for our wedding reception, "
                    "ceremony in the garden if possible.",
                    "utm_source": SOURCES[number % len(SOURCES)],
                    "utm_medium": MEDIUMS[number % len(MEDIUMS)],
                    "utm_campaign": CAMPAIGN,
                    "event_date": (
                        date(2027, 1, 1) + timedelta(days=number % 365)
                    ).isoformat(),
                    "guests": 40 + number % 160,
                    "package": PACKAGES[number % len(PACKAGES)],
                    "quoted_amount": 85000 + (number % 50) * 1000,
                }
            )
        return result


def stock_values(payload, index, member_ids, team_id, utm_ids, company_id):
    """The same lead as a plain create: salesperson set, UTM ids known."""
    answers = "".join(
        f"<li>{name}: {payload[name]}</li>"
        for name in ("event_date", "guests", "package", "quoted_amount")
    )
    return {
        "name": f"{payload['name']}, Wedding calculator (bench)",
        "type": "lead",
        "company_id": company_id,
        "team_id": team_id,
        "user_id": member_ids[index % len(member_ids)],
        "contact_name": payload["name"],
        "email_from": payload["email"],
        "phone": payload["phone"],
        "partner_name": payload["company"],
        "description": f"<p>{payload['message']}</p><ul>{answers}</ul>",
        "expected_revenue": float(payload["quoted_amount"]),
        "source_id": utm_ids["utm_source", payload["utm_source"]],
        "medium_id": utm_ids["utm_medium", payload["utm_medium"]],
        "campaign_id": utm_ids["utm_campaign", payload["utm_campaign"]],
    }


# ---------------------------------------------------------------------------
# In process
# ---------------------------------------------------------------------------


def intake_one(ctx, payload, index):
    """One enquiry as the controller handles it, in its own cursor (request)."""
    from odoo.addons.crm_closed_loop.models.lib import (  # noqa: PLC0415
        intake_payload,
    )

    content_type = "application/json"
    body = json.dumps(payload).encode()
    address = f"10.0.{index >> 8 & 255}.{index & 255}"
    with ctx.registry.cursor() as cr:
        env = ctx.env(cr, ctx.env(cr).ref("base.public_user").id)
        # sudo: crm.intake.submission - as the controller does for visitors
        Submission = env["crm.intake.submission"].sudo()
        Submission._rate_limited(address)
        key, _problem = intake_payload.find_form_key(body, content_type)
        # sudo: crm.intake.form - as the controller does for visitors
        form = env["crm.intake.form"].sudo()._find_by_key(key)
        # As on every try but the last of Odoo's replays of a request.
        status, answer = Submission._receive(
            form, body, content_type, address, can_replay=True
        )
        if status != 201:
            raise RuntimeError(f"intake answered {status}: {answer}")


def create_one(ctx, values):
    """One lead as one JSON-RPC create would make it, in its own cursor."""
    with ctx.registry.cursor() as cr:
        env = ctx.env(cr, ctx.env(cr).ref("base.user_admin").id)
        env["crm.lead"].create(values)


def in_process_paired(ctx, payloads, values_list):
    """Seconds spent per side, the two sides taking turns lead by lead.

    This machine's speed drifts by tens of percent within a minute; taking
    turns exposes both sides to the same drift, so their ratio stays
    meaningful where two back-to-back blocks would each catch a different
    phase of it.
    """
    spent = {"addon": 0.0, "stock": 0.0}
    for index, (payload, values) in enumerate(zip(payloads, values_list, strict=True)):
        seconds, _none = timed(intake_one, ctx, payload, index)
        spent["addon"] += seconds
        seconds, _none = timed(create_one, ctx, values)
        spent["stock"] += seconds
    return spent


# ---------------------------------------------------------------------------
# Over HTTP
# ---------------------------------------------------------------------------


class HttpServer:
    """An Odoo with 2 workers on 127.0.0.1, serving the bench database only."""

    def __init__(self, ctx):
        port = ctx.args.http_port
        self.url = f"http://127.0.0.1:{port}"
        log_path = os.path.join(ctx.log_dir, "http-server.log")
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                ctx.odoo_bin,
                "-c",
                ctx.config_path,
                # The database by name alone, as a single-database server is
                # set up: with a db filter, Odoo opens a new PostgreSQL
                # connection to list the databases on every request without a
                # session cookie (every web enquiry, not the logged-in creates).
                "-d",
                ctx.database,
                "--proxy-mode",
                "--http-interface=127.0.0.1",
                f"--http-port={port}",
                f"--gevent-port={port + 1}",
                "--workers=2",
                "--max-cron-threads=0",
                "--limit-time-real=600",
                *(
                    ("--log-level=info", "--log-handler=werkzeug:INFO")
                    if ctx.args.http_log
                    else ("--log-level=warn",)
                ),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, requests):
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo stopped, see {self.log.name}")
            try:
                if requests.get(f"{self.url}/web/health", timeout=30).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise RuntimeError(f"Odoo did not answer in time, see {self.log.name}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def json_rpc(session, url, params):
    response = session.post(
        url, json={"jsonrpc": "2.0", "method": "call", "params": params}, timeout=300
    )
    response.raise_for_status()
    answer = response.json()
    if "error" in answer:
        raise RuntimeError(f"{url}: {answer['error']}")
    return answer["result"]


# Each enquiry from its own address, as from its own visitor; the server runs in
# proxy mode, as behind the reverse proxy of a production site, and takes the
# visitor's address from X-Forwarded-For (Odoo reads it only from a request that
# also names X-Forwarded-Host, as a proxy's requests do).
visitor_numbers = itertools.count(1)


def post_intake(session, url, payload):
    number = next(visitor_numbers)
    visitor = f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
    response = session.post(
        f"{url}/crm/intake",
        data=json.dumps(payload),
        headers={
            "Content-Type": "application/json",
            "X-Forwarded-For": visitor,
            "X-Forwarded-Host": url.removeprefix("http://"),
        },
        timeout=300,
    )
    # 202: stored but queued (the lead was not made or not assigned in the
    # request, e.g. a serialization failure); counted apart.
    if response.status_code not in (201, 202):
        raise RuntimeError(f"intake answered {response.status_code}: {response.text}")
    return response.status_code == 202


def post_create(session, url, values):
    json_rpc(
        session,
        f"{url}/web/dataset/call_kw/crm.lead/create",
        {"model": "crm.lead", "method": "create", "args": [values], "kwargs": {}},
    )


def load(sessions, send, items):
    """Every session a client thread sending its share of ``items`` in turn.

    Returns (wall seconds, latencies in seconds, errors, deferred): ``send``
    returns True for a request accepted but deferred.
    """
    latencies, errors, deferred = [], [], []
    lock = threading.Lock()

    def client(session, share):
        for item in share:
            started = time.perf_counter()
            try:
                late = send(session, item)
            except Exception as error:  # counted and reported
                with lock:
                    errors.append(str(error))
                continue
            with lock:
                latencies.append(time.perf_counter() - started)
                if late:
                    deferred.append(item)

    threads = [
        threading.Thread(target=client, args=(session, items[i :: len(sessions)]))
        for i, session in enumerate(sessions)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, errors, deferred


def over_http(ctx, enquiries, values_for):
    import requests  # noqa: PLC0415 - Odoo's own dependency

    clients, size = ctx.args.clients, ctx.scale["http_requests"]
    server = HttpServer(ctx)
    figures = {
        side: {"rps": [], "p50": [], "p95": [], "p99": []}
        for side in ("addon", "stock")
    }
    queued = {"addon": 0, "stock": 0}
    sent = {"addon": 0, "stock": 0}
    try:
        server.wait_ready(requests)
        public = [requests.Session() for _client in range(clients)]
        internal = [requests.Session() for _client in range(clients)]
        for session in internal:
            json_rpc(
                session,
                f"{server.url}/web/session/authenticate",
                {"db": ctx.database, "login": "admin", "password": BENCH_PASSWORD},
            )

        def send_intake(session, payload):
            return post_intake(session, server.url, payload)

        def send_create(session, values):
            post_create(session, server.url, values)

        sides = (
            ("addon", list, public, send_intake),
            ("stock", values_for, internal, send_create),
        )
        # Both workers warm up before timing.
        for _side, prepare, sessions, send in sides:
            load(sessions, send, prepare(enquiries.batch(2 * clients)))
        slice_size = max(clients, size // HTTP_SLICES)
        for run in range(ctx.args.repeat):
            walls = {"addon": 0.0, "stock": 0.0}
            run_latencies = {"addon": [], "stock": []}
            for _slice in range(-(-size // slice_size)):
                for side, prepare, sessions, send in sides:
                    items = prepare(enquiries.batch(slice_size))
                    wall, latencies, errors, deferred = load(sessions, send, items)
                    if errors:
                        raise RuntimeError(f"{side}: {len(errors)} errors: {errors[0]}")
                    walls[side] += wall
                    run_latencies[side] += latencies
                    queued[side] += len(deferred)
                    sent[side] += len(items)
            for side, latencies in run_latencies.items():
                rps = len(latencies) / walls[side]
                figures[side]["rps"].append(rps)
                for pct in (50, 95, 99):
                    figures[side][f"p{pct}"].append(percentile(latencies, pct) * 1000)
                say(
                    f"http {side} run {run + 1}: {rps:.1f} req/s,"
                    f" p50 {percentile(latencies, 50) * 1000:.0f} ms"
                )
    finally:
        server.stop()
    if queued["addon"]:
        ctx.notes.append(
            f"HTTP capture: {queued['addon']} of {sent['addon']} enquiries answered"
            " 202 (stored, queued for the retry action, not assigned in the request:"
            " see http-server.log, serialization failures)"
        )
    label = f"a. capture+assign over HTTP ({clients} clients, {size} req/run)"
    return [
        Row(
            f"{label}: throughput",
            "req/s",
            figures["addon"]["rps"],
            figures["stock"]["rps"],
            cost="rate",
            paired=True,
            target="<= 1.2x plain create, every lead assigned in its request",
            limit=1.2,
            missed=f"{queued['addon']} queued" if queued["addon"] else "",
        ),
        *(
            Row(
                f"{label}: latency p{pct}",
                "ms",
                figures["addon"][f"p{pct}"],
                figures["stock"][f"p{pct}"],
                paired=True,
            )
            for pct in (50, 95, 99)
        ),
    ]


def run(ctx):
    with ctx.registry.cursor() as cr:
        env = ctx.env(cr)
        team, utm_ids = setup(env)
        member_ids = team.member_ids.ids
        team_id, company_id = team.id, team.company_id.id or env.company.id
    enquiries = Enquiries()

    def values_for(payloads):
        return [
            stock_values(payload, index, member_ids, team_id, utm_ids, company_id)
            for index, payload in enumerate(payloads)
        ]

    size = ctx.scale["in_process"]
    per_lead = {"addon": [], "stock": []}
    # One warm-up lead per side, untimed.
    in_process_paired(ctx, enquiries.batch(1), values_for(enquiries.batch(1)))
    for run_index in range(ctx.args.repeat):
        spent = in_process_paired(
            ctx, enquiries.batch(size), values_for(enquiries.batch(size))
        )
        for side, seconds in spent.items():
            per_lead[side].append(seconds * 1000 / size)
        say(
            f"in process run {run_index + 1}: {per_lead['addon'][-1]:.1f} vs"
            f" {per_lead['stock'][-1]:.1f} ms/lead"
        )
    rows = over_http(ctx, enquiries, values_for) if not ctx.args.no_http else []
    rows.append(
        Row(
            f"a. capture+assign in process, per lead ({size} leads/run)",
            "ms",
            per_lead["addon"],
            per_lead["stock"],
            paired=True,
            target="<= 1.2x plain create",
            limit=1.2,
        )
    )
    ctx.notes.append(
        f"capture mean over runs: {statistics.mean(per_lead['addon']):.1f} ms/lead"
        f" (addon) vs {statistics.mean(per_lead['stock']):.1f} (stock)"
    )
    return rows
