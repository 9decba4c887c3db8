"""Time capture plus assignment per lead, ours against a plain crm.lead create.

Run through ``bench/run_capture``, which creates the database. A team of two
salespeople, an active round-robin rule and an intake form are set up once.
Then, for each size N and each run, the sides take turns on the same machine:

* ``intake``: each lead is one JSON enquiry handled by the same code as
  ``POST /crm/intake`` (rate-limit check, form lookup by key,
  ``crm.intake.submission._receive`` as the public user in sudo: stored as
  received, parsed, UTM matched, lead created without salesperson and assigned
  at create by the rule, with its log line, chatter note, first-contact
  activity and notice);
* ``stock``: a plain ``crm.lead.create`` of the same values with the
  salesperson already set, as an internal user would through JSON-RPC.

Every lead runs in its own cursor, committed at the end, as one web request
would. E-mails and phones are distinct, so no lead is a returning contact. The
addon is installed on both sides: its other ``crm.lead`` overrides run in both.
One warm-up lead per side is not timed.

With ``--http``, the same two sides are also timed over HTTP against an Odoo
started with 2 workers on 127.0.0.1: sequential ``POST /crm/intake`` (JSON)
against JSON-RPC ``create`` calls (``/web/dataset/call_kw`` after
``/web/session/authenticate``). The per-address rate limit is raised for that
part, since every request comes from 127.0.0.1.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

FORM_KEY = "bench-capture"
SOURCES = ("Google", "Facebook", "Instagram", "Wedding fair")
MEDIUMS = ("cpc", "social", "referral")
CAMPAIGN = "Weddings 2027"
PACKAGES = ("Silver", "Gold", "Platinum")
# Set on the bench database's own admin, for the JSON-RPC side only.
BENCH_PASSWORD = "bench-capture-admin"
SERVER_START_TIMEOUT = 180


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument(
        "--sizes", default="500", help="comma-separated numbers of leads per run"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only", choices=["intake", "stock"], help="time one side only"
    )
    parser.add_argument(
        "--http",
        action="store_true",
        help="also time both sides over HTTP on a 2-worker server (127.0.0.1)",
    )
    parser.add_argument("--odoo-bin", help="path of odoo-bin, for --http")
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",")]
    if any(size < 1 or size > 20000 for size in args.sizes):
        parser.error("each size must be between 1 and 20000")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.http and not args.odoo_bin:
        parser.error("--http needs --odoo-bin")
    return args


def setup(env):
    """Two salespeople in a team, a round-robin rule, an intake form."""
    users = env["res.users"].create(
        [
            {
                "name": f"Capture seller {index}",
                "login": f"capture_seller_{index}",
                "notification_type": "inbox",
                "group_ids": [(4, env.ref("sales_team.group_sale_salesman").id)],
            }
            for index in range(2)
        ]
    )
    team = env["crm.team"].create(
        {
            "name": "Weddings and events (bench)",
            "use_leads": True,
            "use_opportunities": True,
            "company_id": env.company.id,
            "member_ids": [(6, 0, users.ids)],
        }
    )
    env["crm.assignment.rule"].create(
        {
            "name": "Bench round robin",
            "team_id": team.id,
            "method": "round_robin",
            "assign_outside_hours": True,
            "lead_domain": "[]",
        }
    )
    form = env["crm.intake.form"].create(
        {
            "name": "Wedding calculator (bench)",
            "key": FORM_KEY,
            "team_id": team.id,
            "company_id": env.company.id,
            "revenue_mode": "quote",
        }
    )
    # The stock side gets the UTM records an API client would already know.
    utm_ids = {}
    for key, model_name, labels in (
        ("utm_source", "utm.source", SOURCES),
        ("utm_medium", "utm.medium", MEDIUMS),
        ("utm_campaign", "utm.campaign", (CAMPAIGN,)),
    ):
        for label in labels:
            utm_ids[key, label] = env[model_name].create({"name": label}).id
    env.cr.commit()
    return users, team, form, utm_ids


class Enquiries:
    """Distinct enquiries: a global counter makes every e-mail and phone new."""

    def __init__(self):
        self.counter = 0

    def next_batch(self, size):
        batch = []
        for _index in range(size):
            self.counter += 1
            number = self.counter
            batch.append(
                {
                    "number": number,
                    "payload": {
                        "form": FORM_KEY,
                        "name": f"Guest {number}",
                        "email": f"guest{number}@capture.example.com",
                        "phone": f"+27 82 {number // 10000:03d} {number % 10000:04d}",
                        "company": f"Family {number}",
                        "message": "We would like a quote for our wedding "
                        "reception, ceremony in the garden if possible.",
                        "utm_source": SOURCES[number % len(SOURCES)],
                        "utm_medium": MEDIUMS[number % len(MEDIUMS)],
                        "utm_campaign": CAMPAIGN,
                        "event_date": (
                            date(2027, 1, 1) + timedelta(days=number % 365)
                        ).isoformat(),
                        "guests": 40 + number % 160,
                        "package": PACKAGES[number % len(PACKAGES)],
                        "quoted_amount": 85000 + (number % 50) * 1000,
                    },
                    # Each visitor posts from their own address.
                    "address": f"10.{number >> 16 & 255}.{number >> 8 & 255}."
                    f"{number & 255}",
                }
            )
        return batch


def stock_values(enquiry, users, team, utm_ids):
    """The same lead as a plain create: salesperson set, UTM ids known."""
    payload = enquiry["payload"]
    answers = "".join(
        f"<li>{name}: {payload[name]}</li>"
        for name in ("event_date", "guests", "package", "quoted_amount")
    )
    return {
        "name": f"{payload['name']}, Wedding calculator (bench)",
        "type": "lead",
        "company_id": team.company_id.id,
        "team_id": team.id,
        "user_id": users[enquiry["number"] % len(users)].id,
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


def run_intake(registry, api, public_uid, intake_payload, batch):
    """Each enquiry as the controller handles it, one cursor (request) each."""
    lead_ids = []
    content_type = "application/json"
    for enquiry in batch:
        body = json.dumps(enquiry["payload"]).encode()
        with registry.cursor() as cr:
            env = api.Environment(cr, public_uid, {})
            Submission = env["crm.intake.submission"].sudo()
            if Submission._rate_limited(enquiry["address"]):
                raise RuntimeError("rate limited: distinct addresses expected")
            key = intake_payload.decode_body(body, content_type).get(
                intake_payload.FORM_KEY_FIELD
            )
            form = env["crm.intake.form"].sudo().search([("key", "=", key)], limit=1)
            status, answer = Submission._receive(
                form, body, content_type, enquiry["address"]
            )
            if status != 201:
                raise RuntimeError(f"intake answered {status}: {answer}")
            lead_ids.append(answer["lead_id"])
    return lead_ids


def run_stock(registry, api, admin_uid, values_list):
    """Each lead as one JSON-RPC create would make it, one cursor each."""
    lead_ids = []
    for values in values_list:
        with registry.cursor() as cr:
            env = api.Environment(cr, admin_uid, {})
            lead_ids.append(env["crm.lead"].create(values).id)
    return lead_ids


class HttpServer:
    """An Odoo with 2 workers on 127.0.0.1, serving the bench database only."""

    def __init__(self, args, port):
        self.url = f"http://127.0.0.1:{port}"
        log_path = os.path.join(os.path.dirname(args.config), "bench-capture-http.log")
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                args.odoo_bin,
                "-c",
                args.config,
                "-d",
                args.database,
                f"--db-filter=^{args.database}$",
                "--http-interface=127.0.0.1",
                f"--http-port={port}",
                "--workers=2",
                "--max-cron-threads=0",
                "--log-level=warn",
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
                if requests.get(f"{self.url}/web/health", timeout=5).ok:
                    return
            except requests.ConnectionError:
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


def http_intake(session, url, batch):
    """Sequential anonymous POSTs of the JSON enquiries."""
    lead_ids = []
    for enquiry in batch:
        response = session.post(
            f"{url}/crm/intake",
            data=json.dumps(enquiry["payload"]),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        if response.status_code != 201:
            raise RuntimeError(
                f"intake answered {response.status_code}: {response.text}"
            )
        lead_ids.append(response.json()["lead_id"])
    return lead_ids


def json_rpc(session, url, params):
    response = session.post(
        url, json={"jsonrpc": "2.0", "method": "call", "params": params}, timeout=60
    )
    response.raise_for_status()
    answer = response.json()
    if "error" in answer:
        raise RuntimeError(f"{url}: {answer['error']}")
    return answer["result"]


def http_stock(session, url, values_list):
    """Sequential JSON-RPC creates in an authenticated session."""
    lead_ids = []
    for values in values_list:
        result = json_rpc(
            session,
            f"{url}/web/dataset/call_kw/crm.lead/create",
            {"model": "crm.lead", "method": "create", "args": [values], "kwargs": {}},
        )
        lead_ids.append(result[0] if isinstance(result, list) else result)
    return lead_ids


def check(registry, api, lead_ids, side):
    """Leads owned; for the intake side, assigned by the rule with a log line."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT COUNT(*) FILTER (WHERE user_id IS NOT NULL),"
            " COUNT(*) FILTER (WHERE assignment_rule_id IS NOT NULL)"
            " FROM crm_lead WHERE id = ANY(%s)",
            [lead_ids],
        )
        owned, by_rule = cr.fetchone()
        if side.endswith("intake") and by_rule != len(lead_ids):
            raise RuntimeError(f"{len(lead_ids) - by_rule} leads not assigned by rule")
        cr.execute(
            "SELECT user_id, COUNT(*) FROM crm_lead WHERE id = ANY(%s)"
            " GROUP BY user_id ORDER BY user_id",
            [lead_ids],
        )
        spread = "/".join(str(count) for _user, count in cr.fetchall())
    return owned, spread


def time_sides(registry, api, sides, args, enquiries):
    """Run the sides in turn, ``repeat`` times per size; return table rows.

    Each side is ``(name, prepare, func)``: ``prepare`` turns the enquiries into
    what ``func`` sends, outside the timing.
    """
    for _name, prepare, func in sides:
        func(prepare(enquiries.next_batch(1)))
    rows = []
    for size in args.sizes:
        timings = {name: [] for name, _prepare, _func in sides}
        for run in range(args.repeat):
            for name, prepare, func in sides:
                batch = prepare(enquiries.next_batch(size))
                started = time.perf_counter()
                lead_ids = func(batch)
                timings[name].append(time.perf_counter() - started)
                owned, spread = check(registry, api, lead_ids, name)
                print(
                    f"  run {run + 1} {name:<11} {size:>6} leads:"
                    f" {timings[name][-1]:8.2f}s, {owned} owned ({spread})",
                    flush=True,
                )
        medians = {name: statistics.median(times) for name, times in timings.items()}
        stock = next((name for name in medians if name.endswith("stock")), None)
        for name, times in timings.items():
            ratio = medians[name] / medians[stock] if stock else None
            rows.append((name, size, times, ratio))
    return rows


def main():
    args = parse_args()
    from odoo import api  # noqa: PLC0415 - needs the path set by the caller
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "--log-level=warn"], setup_logging=True)
    registry = Registry(args.database)
    from odoo.addons.crm_closed_loop.models.lib import (  # noqa: PLC0415
        intake_payload,
    )

    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        users, team, _form, utm_ids = setup(env)
        public_uid = env.ref("base.public_user").id
        admin_uid = env.ref("base.user_admin").id
        user_ids, team_id = users.ids, team.id
    enquiries = Enquiries()

    def values_for(batch):
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            users = env["res.users"].browse(user_ids)
            team = env["crm.team"].browse(team_id)
            return [stock_values(enquiry, users, team, utm_ids) for enquiry in batch]

    sides = [
        (
            "intake",
            list,
            lambda batch: run_intake(registry, api, public_uid, intake_payload, batch),
        ),
        (
            "stock",
            values_for,
            lambda values_list: run_stock(registry, api, admin_uid, values_list),
        ),
    ]
    if args.only:
        sides = [side for side in sides if side[0] == args.only]
    rows = time_sides(registry, api, sides, args, enquiries)
    if args.http:
        rows += time_http(registry, api, args, enquiries, values_for)
    print()
    print(
        f"{'operation':<11} {'N':>6} {'runs':>4} {'median s':>9} {'min s':>8}"
        f" {'max s':>8} {'ms/lead':>8} {'vs stock':>8}"
    )
    for name, size, times, ratio in rows:
        median = statistics.median(times)
        print(
            f"{name:<11} {size:>6} {len(times):>4} {median:>9.2f}"
            f" {min(times):>8.2f} {max(times):>8.2f}"
            f" {median * 1000 / size:>8.1f}"
            f" {'-' if ratio is None else f'{ratio:.2f}x':>8}"
        )


def time_http(registry, api, args, enquiries, values_for):
    import requests  # noqa: PLC0415 - only needed with --http

    from odoo.tools import config  # noqa: PLC0415

    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        env.ref("base.user_admin").password = BENCH_PASSWORD
        # Every request comes from 127.0.0.1: a limit that never trips, so the
        # check still runs its query.
        env["ir.config_parameter"].set_param(
            "crm_closed_loop.intake_rate_limit", str(10**9)
        )
    server = HttpServer(args, config["http_port"])
    try:
        server.wait_ready(requests)
        public = requests.Session()
        internal = requests.Session()
        json_rpc(
            internal,
            f"{server.url}/web/session/authenticate",
            {"db": args.database, "login": "admin", "password": BENCH_PASSWORD},
        )
        sides = [
            (
                "http intake",
                list,
                lambda batch: http_intake(public, server.url, batch),
            ),
            (
                "http stock",
                values_for,
                lambda values_list: http_stock(internal, server.url, values_list),
            ),
        ]
        if args.only:
            sides = [side for side in sides if side[0].endswith(args.only)]
        # Both workers warm up before timing.
        time_sides(
            registry, api, sides, argparse.Namespace(sizes=[3], repeat=1), enquiries
        )
        return time_sides(registry, api, sides, args, enquiries)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
