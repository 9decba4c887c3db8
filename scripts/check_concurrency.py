"""Concurrency checks against a running multi-worker Odoo server.

Usage: python check_concurrency.py ODOO_BIN ODOO_CONF DATABASE HTTP_PORT [LOG]

Run by check_server_log.py while its server (two HTTP worker processes, a
cron worker) is up, on a throwaway copy of the test database. Through
``odoo-bin shell`` it sets up, under names unique to this run, an intake form
on a team whose round-robin rule rotates over two salespeople, and leads that
are due for follow-up alerts. Then:

  a. 40 distinct enquiries posted from 8 threads at once: 40 leads, all
     assigned by the rule, the two salespeople differ by at most one, no
     answer is a server error;
  b. one payload posted 10 times at once: one lead, and every answer is a
     success carrying the same reference;
  c. the follow-up action run by two ``odoo-bin shell`` processes at once:
     every alert of every due lead exists exactly once.

Prints one line per check and exits 1 if any fails. The per-address rate
limit is switched off on that database so that the flood is not refused.
"""

import concurrent.futures
import configparser
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import psycopg2

DISTINCT = 40
DUPLICATES = 10
THREADS = 8
FOLLOWUP_LEADS = 60
FOLLOWUP_BATCH = 2
# Queued enquiries (a request out of replays) are made by the retry cron,
# triggered at once; the cron worker wakes on that trigger.
SETTLE_SECONDS = 120
SHELL_SECONDS = 600
MARK = "CHECK-CONCURRENCY "

SETUP = """
import json
from datetime import timedelta
from odoo import Command, fields
from odoo.tests import new_test_user

tag = %(tag)r
company = env.company
# Notified in Odoo, not by e-mail: see the follow-up owner below.
sellers = new_test_user(
    env,
    f"cc_anna_{tag}",
    groups="sales_team.group_sale_salesman",
    notification_type="inbox",
) | new_test_user(
    env,
    f"cc_ben_{tag}",
    groups="sales_team.group_sale_salesman",
    notification_type="inbox",
)
team = env["crm.team"].create({"name": f"cc intake {tag}", "company_id": company.id})
env["crm.assignment.rule"].create({
    "name": f"cc round robin {tag}",
    "sequence": 0,
    "team_id": team.id,
    "lead_domain": repr([("team_id", "=", team.id)]),
    "user_ids": [Command.set(sellers.ids)],
    "method": "round_robin",
    "assign_outside_hours": True,
})
form = env["crm.intake.form"].create({
    "name": f"cc form {tag}",
    "key": f"cc-{tag}",
    "company_id": company.id,
    "team_id": team.id,
})
env["ir.config_parameter"].set_param("crm_closed_loop.intake_rate_limit", "0")
# The server's cron worker would take the due leads before the two processes
# below are loaded: they alone run the follow-up action here.
env.ref("crm_closed_loop.ir_cron_crm_followup_alerts").active = False

calendar = env["resource.calendar"].create({
    "name": f"cc always open {tag}",
    "tz": "UTC",
    "attendance_ids": [
        Command.create({
            "name": f"Day {day}", "dayofweek": str(day),
            "hour_from": 0, "hour_to": 24, "day_period": "full_day",
        })
        for day in range(7)
    ],
})
# Notified in Odoo, not by e-mail: e-mails wake Odoo's own mail queue cron,
# whose serialization failures on mail_mail (logged as errors, retried at its
# next run) are Odoo's and not what this check is about.
followup_owner = new_test_user(
    env,
    f"cc_owner_{tag}",
    groups="sales_team.group_sale_salesman",
    notification_type="inbox",
)
followup_team = env["crm.team"].create(
    {"name": f"cc follow-up {tag}", "user_id": False, "company_id": company.id}
)
env["crm.followup.policy"].create({
    "name": f"cc policy {tag}",
    "team_id": followup_team.id,
    "calendar_id": calendar.id,
    "first_response_hours": 1.0,
    "due_soon_hours": 0.0,
})
leads = env["crm.lead"].create([
    {
        "name": f"cc follow-up {tag} {index}",
        "type": "opportunity",
        "team_id": followup_team.id,
        "user_id": followup_owner.id,
        "date_open": fields.Datetime.now() - timedelta(hours=3),
    }
    for index in range(%(followup_leads)d)
])
env.cr.commit()
print(%(mark)r + json.dumps({
    "form_id": form.id, "key": form.key, "seller_ids": sellers.ids,
    "followup_lead_ids": leads.ids,
}), flush=True)
"""

# Each process loads Odoo, says it is ready, and starts the follow-up action
# only when both are, so that the two runs overlap.
FOLLOWUP_WORKER = """
import os, time
open(%(ready)r, "w").close()
deadline = time.monotonic() + 300
while not os.path.exists(%(go)r) and time.monotonic() < deadline:
    time.sleep(0.05)
env["crm.lead"]._cron_raise_followup_alerts(batch_size=%(batch)d)
env.cr.commit()
"""


class Check:
    def __init__(self, odoo_bin, conf, database, port, log_path=None):
        self.odoo_bin, self.conf, self.database = odoo_bin, conf, database
        self.url = f"http://127.0.0.1:{port}/crm/intake"
        self.log_path = log_path
        self.failures = []

    # -- plumbing --------------------------------------------------------

    def shell(self, code, output, log_level="warn"):
        """An ``odoo-bin shell`` process running ``code`` (a separate process
        with its own registry and connections, as a second server would),
        writing to the open file ``output``."""
        process = subprocess.Popen(
            [
                sys.executable,
                self.odoo_bin,
                "shell",
                "-c",
                self.conf,
                "-d",
                self.database,
                "--no-http",
                f"--log-level={log_level}",
            ],
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process.stdin.write(code)
        process.stdin.close()
        return process

    def connect(self):
        config = configparser.ConfigParser()
        config.read(self.conf)
        options = config["options"]
        return psycopg2.connect(
            dbname=self.database,
            host=options.get("db_host") or None,
            port=options.get("db_port") or None,
            user=options.get("db_user") or None,
            password=options.get("db_password") or None,
        )

    def query(self, sql, params=()):
        with self.connect() as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        connection.close()
        return rows

    def post(self, payload):
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            body = error.read()
            try:
                return error.code, json.loads(body)
            except ValueError:
                return error.code, {"body": body[:200].decode("utf-8", "replace")}

    def post_all(self, payloads):
        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            return list(pool.map(self.post, payloads))

    def expect(self, label, ok, detail):
        print(f"  {'ok  ' if ok else 'FAIL'} {label}: {detail}")
        if not ok:
            self.failures.append(label)

    def wait_processed(self, form_id):
        """Wait until no enquiry of the form is queued; return the states."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            states = dict(
                self.query(
                    "SELECT state, COUNT(*) FROM crm_intake_submission"
                    " WHERE form_id = %s GROUP BY state",
                    (form_id,),
                )
            )
            if not states.get("queued") or time.monotonic() > deadline:
                return states
            time.sleep(1)

    # -- checks ----------------------------------------------------------

    def setup(self, tag):
        with tempfile.TemporaryFile("w+") as output_file:
            process = self.shell(
                SETUP % {"tag": tag, "followup_leads": FOLLOWUP_LEADS, "mark": MARK},
                output_file,
            )
            process.wait(timeout=SHELL_SECONDS)
            output_file.seek(0)
            output = output_file.read()
        for line in output.splitlines():
            if line.startswith(MARK):
                return json.loads(line[len(MARK) :])
        print(output[-3000:])
        raise SystemExit("concurrency check: setting up the data failed")

    def check_round_robin(self, data, tag):
        payloads = [
            {
                "form": data["key"],
                "name": f"Guest {index}",
                "email": f"guest{index}.{tag}@example.com",
                "message": "A room for two nights, please.",
            }
            for index in range(DISTINCT)
        ]
        answers = self.post_all(payloads)
        errors = [status for status, _answer in answers if status >= 500]
        refused = [(s, a) for s, a in answers if s >= 300 or not a.get("ok")]
        queued = sum(
            1 for _status, answer in answers if answer.get("status") == "queued"
        )
        self.expect(
            "parallel enquiries answered",
            not errors and not refused,
            f"{len(answers)} answers, {len(errors)} server errors, "
            f"{len(refused)} refused {refused[:2]}, {queued} queued for the cron",
        )
        states = self.wait_processed(data["form_id"])
        rows = self.query(
            "SELECT user_id, COUNT(*) FROM crm_lead"
            " WHERE intake_form_id = %s GROUP BY user_id",
            (data["form_id"],),
        )
        counts = dict(rows)
        total = sum(counts.values())
        sellers = data["seller_ids"]
        per_seller = [counts.get(uid, 0) for uid in sellers]
        self.expect(
            "round robin under parallel enquiries",
            total == DISTINCT
            and set(counts) <= set(sellers)
            and max(per_seller) - min(per_seller) <= 1,
            f"{total} leads of {DISTINCT}, per salesperson {per_seller}, "
            f"unassigned {counts.get(None, 0)}, submissions {states}",
        )
        logs = self.query(
            "SELECT COUNT(*), COUNT(DISTINCT log.lead_id) FROM crm_assignment_log log"
            " JOIN crm_lead lead ON lead.id = log.lead_id"
            " WHERE lead.intake_form_id = %s",
            (data["form_id"],),
        )[0]
        self.expect(
            "one assignment per lead",
            logs[0] == logs[1] == total,
            f"{logs[0]} assignment logs for {logs[1]} leads",
        )

    def check_duplicates(self, data, tag):
        payload = {
            "form": data["key"],
            "name": "Double Clicker",
            "email": f"double.{tag}@example.com",
            "message": "Is the spa open on Sundays?",
        }
        answers = self.post_all([payload] * DUPLICATES)
        references = {answer.get("reference") for _status, answer in answers}
        good = all(status < 300 and answer.get("ok") for status, answer in answers)
        self.expect(
            "parallel duplicates answered alike",
            good and len(references) == 1 and None not in references,
            f"statuses {sorted(status for status, _answer in answers)},"
            f" references {sorted(map(str, references))}",
        )
        self.wait_processed(data["form_id"])
        leads = self.query(
            "SELECT COUNT(*) FROM crm_lead WHERE email_from = %s",
            (payload["email"],),
        )[0][0]
        self.expect("parallel duplicates make one lead", leads == 1, f"{leads} leads")

    def check_followup(self, data):
        lead_ids = data["followup_lead_ids"]
        with tempfile.TemporaryDirectory() as folder:
            go = os.path.join(folder, "go")
            readies = [os.path.join(folder, f"ready{index}") for index in (1, 2)]
            logs = [open(f"{ready}.log", "w+") for ready in readies]  # noqa: SIM115
            workers = [
                self.shell(
                    FOLLOWUP_WORKER
                    % {"ready": ready, "go": go, "batch": FOLLOWUP_BATCH},
                    log,
                    "info",
                )
                for ready, log in zip(readies, logs, strict=True)
            ]
            deadline = time.monotonic() + SHELL_SECONDS
            while not all(map(os.path.exists, readies)):
                if time.monotonic() > deadline or any(
                    worker.poll() is not None for worker in workers
                ):
                    break
                time.sleep(0.2)
            open(go, "w").close()
            outputs = []
            for worker, log in zip(workers, logs, strict=True):
                worker.wait(timeout=SHELL_SECONDS)
                log.seek(0)
                outputs.append(log.read())
                log.close()
        processed = []
        for worker, output in zip(workers, outputs, strict=True):
            counts = re.findall(r"Follow-up alerts: .* (\d+) leads processed", output)
            processed.append(int(counts[-1]) if counts else 0)
            if worker.returncode or not counts:
                print(output[-3000:])
        # Both taking leads shows the two runs overlapped on the same work.
        self.expect(
            "two follow-up processes at once",
            not any(worker.returncode for worker in workers) and min(processed) > 0,
            f"exit codes {[worker.returncode for worker in workers]},"
            f" due leads processed by each {processed}",
        )
        alerts = self.query(
            "SELECT lead_id, deadline, rung, COUNT(*) FROM crm_followup_alert"
            " WHERE lead_id = ANY(%s) GROUP BY lead_id, deadline, rung",
            (lead_ids,),
        )
        twice = [row for row in alerts if row[3] > 1]
        rungs = {}
        for lead_id, _deadline, rung, _count in alerts:
            rungs.setdefault(lead_id, set()).add(rung)
        missing = [lid for lid in lead_ids if rungs.get(lid) != {"leader", "owner"}]
        activities = dict(
            self.query(
                "SELECT res_id, COUNT(*) FROM mail_activity"
                " WHERE res_model = 'crm.lead' AND res_id = ANY(%s) GROUP BY res_id",
                (lead_ids,),
            )
        )
        self.expect(
            "follow-up alerts sent once",
            not twice
            and not missing
            and set(activities.values()) == {1}
            and len(activities) == len(lead_ids),
            f"{len(alerts)} alerts on {len(lead_ids)} leads, {len(twice)} twice,"
            f" {len(missing)} leads without both rungs,"
            f" owner activities per lead {sorted(set(activities.values()))}",
        )

    def run(self):
        tag = f"{int(time.time())}{os.getpid() % 1000}"
        print("  concurrency (real worker processes):")
        data = self.setup(tag)
        self.check_round_robin(data, tag)
        self.check_duplicates(data, tag)
        self.check_followup(data)
        if self.log_path and os.path.exists(self.log_path):
            with open(self.log_path, encoding="utf-8") as log:
                replays = log.read().count("tries left, try again")
            print(f"  requests replayed by Odoo after a concurrency error: {replays}")
        if self.failures:
            print(f"concurrency check failed: {', '.join(self.failures)}")
            return 1
        print("  concurrency check passed")
        return 0


def main():
    odoo_bin, conf, database, port = sys.argv[1:5]
    log_path = sys.argv[5] if len(sys.argv) > 5 else None
    sys.exit(Check(odoo_bin, conf, database, port, log_path).run())


if __name__ == "__main__":
    main()
