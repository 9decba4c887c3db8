import datetime
import logging
import re

from odoo import api, models
from odoo.fields import Command, Domain
from odoo.tools import SQL

from .lib import real_data

_logger = logging.getLogger(__name__)

# Module of the external ids the import gives every record it creates: a second
# run finds them and creates nothing twice.
XMLID_MODULE = "__closed_loop_import__"
BATCH_SIZE = 500
# Context of bulk creation: no chatter message, tracking or follower per record.
QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}
PIPELINE_STAGES = {"Prospecting": 10, "Engaging": 20}
LEADS_TEAM = "X Education"
HOTEL_TEAM = "Hotel bookings"
# Time of day given to imported dates: midday UTC stays on the same calendar day
# in every time zone a user of the scorecard may have.
MIDDAY = datetime.time(12, 0)


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


class CrmClosedLoopImport(models.AbstractModel):
    """Loads the public datasets through the models of the addon and of Odoo.

    Each ``import_<dataset>`` method reads a dataset folder with the plain readers
    of ``models/lib/real_data``, creates what is missing and returns counts.
    Records carry external ids of the module ``__closed_loop_import__``, so that
    running an import twice changes nothing. ``progress(done, total)`` is called
    after each batch; the command line commits there.
    """

    _name = "crm.closed.loop.import"
    _description = "Closed-loop import of the public datasets"

    # ------------------------------------------------------------
    # External ids
    # ------------------------------------------------------------

    def _existing(self, model):
        """Record ids the import created before in ``model``, by external id name."""
        rows = self.env["ir.model.data"].search_read(
            [("module", "=", XMLID_MODULE), ("model", "=", model)], ["name", "res_id"]
        )
        return {row["name"]: row["res_id"] for row in rows}

    def _create_named(self, model, names, vals_list):
        records = self.env[model].with_context(**QUIET).create(vals_list)
        self.env["ir.model.data"]._update_xmlids(
            [
                {"xml_id": f"{XMLID_MODULE}.{name}", "record": record, "noupdate": True}
                for name, record in zip(names, records, strict=True)
            ]
        )
        return records

    def _create_rows(self, model, rows, rejects, where):
        """Create ``rows`` [(item, external id name, values)]; return [(record, item)].

        A batch the database refuses is retried row by row, and each refused row
        goes to ``rejects`` (``where`` is (dataset, file)) instead of stopping the
        import.
        """
        try:
            with self.env.cr.savepoint():
                records = self._create_named(
                    model, [r[1] for r in rows], [r[2] for r in rows]
                )
            return list(zip(records, [r[0] for r in rows], strict=True))
        # Whatever the database refuses: find the row, keep the rest.
        except Exception:
            _logger.warning("a batch of %s failed; retrying row by row", model)
        created = []
        for item, name, vals in rows:
            try:
                with self.env.cr.savepoint():
                    record = self._create_named(model, [name], [vals])
                created.append((record, item))
            except Exception as error:
                rejects.add(*where, item.get("line", ""), str(error), str(item))
        return created

    def _ensure(self, model, name, vals, domain=None):
        """The record of external id ``name``, else the one matching ``domain``, else
        a new one."""
        record = self.env.ref(f"{XMLID_MODULE}.{name}", raise_if_not_found=False)
        if record:
            return record
        if domain is not None:
            record = (
                self.env[model].with_context(active_test=False).search(domain, limit=1)
            )
        if not record:
            record = self.env[model].with_context(**QUIET).create(vals)
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": f"{XMLID_MODULE}.{name}", "record": record, "noupdate": True}]
        )
        return record

    def _set_dates(self, records_dates):
        """Give created leads their dataset dates (``create_date`` is not writable).

        ``records_dates`` is a list of (lead id, create date, close date or None).
        """
        if not records_dates:
            return
        ids, created, closed = zip(*records_dates, strict=True)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead l
                   SET create_date = v.created,
                       date_open = v.created,
                       date_closed = v.closed
                  FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[])
                       AS v(id, created, closed)
                 WHERE l.id = v.id
                """,
                list(ids),
                [self._at_midday(d) for d in created],
                [self._at_midday(d) for d in closed],
            )
        )
        self.env["crm.lead"].invalidate_model(
            ["create_date", "date_open", "date_closed"]
        )

    @staticmethod
    def _at_midday(day):
        return datetime.datetime.combine(day, MIDDAY) if day else None

    def _batches(self, items, progress, label):
        total = len(items)
        for start in range(0, total, BATCH_SIZE):
            yield items[start : start + BATCH_SIZE]
            done = min(start + BATCH_SIZE, total)
            _logger.info("%s: %s of %s", label, done, total)
            if progress:
                progress(done, total)

    # ------------------------------------------------------------
    # Pipeline
    # ------------------------------------------------------------

    @api.model
    def import_pipeline(self, folder, rejects, progress=None):
        data = real_data.pipeline.read(folder, rejects)
        users = self._pipeline_users(data["agents"])
        teams = self._pipeline_teams(data["agents"], users)
        partners = self._pipeline_partners(data["accounts"], data["opportunities"])
        stages = self._pipeline_stages()
        existing = self._existing("crm.lead")
        todo = [
            o for o in data["opportunities"] if f"opp_{_slug(o['key'])}" not in existing
        ]
        created = 0
        for batch in self._batches(todo, progress, "pipeline opportunities"):
            rows = [
                (
                    o,
                    f"opp_{_slug(o['key'])}",
                    self._opportunity_vals(o, users, teams, partners, stages),
                )
                for o in batch
            ]
            done = self._create_rows(
                "crm.lead", rows, rejects, ("pipeline", "sales_pipeline.csv")
            )
            self._set_dates(
                [(lead.id, o["create_date"], o["close_date"]) for lead, o in done]
            )
            created += len(done)
        return {"read": len(data["opportunities"]), "created": created}

    def _pipeline_users(self, agents):
        salesman = self.env.ref("sales_team.group_sale_salesman")
        manager = self.env.ref("sales_team.group_sale_manager")
        users = {}
        people = [(a["name"], salesman) for a in agents]
        people += [(m, manager) for m in sorted({a["manager"] for a in agents})]
        for name, group in people:
            login = f"{_slug(name).replace('_', '.')}@maventech.example"
            users[name] = self._ensure(
                "res.users",
                f"user_{_slug(name)}",
                {
                    "name": name,
                    "login": login,
                    "email": login,
                    "group_ids": [Command.set(group.ids)],
                },
                Domain("login", "=", login),
            )
        return users

    def _pipeline_teams(self, agents, users):
        """One sales team per manager, named after the manager's regional office."""
        teams = {}
        for manager in sorted({a["manager"] for a in agents}):
            members = [a for a in agents if a["manager"] == manager]
            name = f"{members[0]['office']} ({manager})"
            team = self._ensure(
                "crm.team",
                f"team_{_slug(manager)}",
                {
                    "name": name,
                    "user_id": users[manager].id,
                    "use_opportunities": True,
                    "company_id": self.env.company.id,
                },
            )
            missing = [
                users[a["name"]].id
                for a in members
                if users[a["name"]] not in team.member_ids
            ]
            if missing:
                team.member_ids = [Command.link(uid) for uid in missing]
            for agent in members:
                teams[agent["name"]] = team
        return teams

    def _pipeline_partners(self, accounts, opportunities):
        existing = self._existing("res.partner")
        # Accounts named in the pipeline but missing from accounts.csv still
        # become customers, with their name only.
        names = {o["account"]: {} for o in opportunities if o["account"]}
        names.update({a["name"]: a for a in accounts.values()})
        countries = {
            c.name.casefold(): c.id for c in self.env["res.country"].search([])
        }
        todo = [n for n in sorted(names) if f"account_{_slug(n)}" not in existing]
        if todo:
            self._create_named(
                "res.partner",
                [f"account_{_slug(n)}" for n in todo],
                [
                    {
                        "name": n,
                        "is_company": True,
                        "country_id": countries.get(
                            (names[n].get("country") or "").casefold(), False
                        ),
                    }
                    for n in todo
                ],
            )
            existing = self._existing("res.partner")
        return {n: existing[f"account_{_slug(n)}"] for n in names}

    def _pipeline_stages(self):
        stages = {}
        for sequence, (name, percent) in enumerate(PIPELINE_STAGES.items(), start=1):
            vals = {"name": name, "sequence": sequence}
            if "probability" in self.env["crm.stage"]._fields:
                vals["probability"] = percent
            stages[name] = self._ensure(
                "crm.stage",
                f"stage_{_slug(name)}",
                vals,
                Domain("name", "=ilike", name) & Domain("team_ids", "=", False),
            )
        stages["Won"] = self._won_stage()
        # A lost deal was lost while being engaged.
        stages["Lost"] = stages["Engaging"]
        return stages

    def _won_stage(self):
        return self._ensure(
            "crm.stage",
            "stage_won",
            {"name": "Won", "is_won": True, "sequence": 70},
            Domain("is_won", "=", True),
        )

    def _opportunity_vals(self, opportunity, users, teams, partners, stages):
        stage = opportunity["stage"]
        account = opportunity["account"]
        vals = {
            "name": f"{account or 'Unknown account'} - {opportunity['product']}",
            "type": "opportunity",
            "user_id": users[opportunity["agent"]].id,
            "team_id": teams[opportunity["agent"]].id,
            "company_id": teams[opportunity["agent"]].company_id.id,
            "partner_id": partners.get(account, False),
            "stage_id": stages[stage].id,
            "expected_revenue": float(opportunity["amount"]),
            "date_closed": self._at_midday(opportunity["close_date"]),
        }
        if stage == "Lost":
            vals.update(active=False, probability=0)
        return vals

    # ------------------------------------------------------------
    # Leads
    # ------------------------------------------------------------

    @api.model
    def import_leads(self, folder, rejects, progress=None):
        leads = real_data.leads.read(folder, rejects)
        team = self._ensure(
            "crm.team",
            "team_x_education",
            {
                "name": LEADS_TEAM,
                "use_leads": True,
                "use_opportunities": True,
                "company_id": self.env.company.id,
            },
        )
        sources = self._utm("utm.source", {lead["source"] for lead in leads})
        mediums = self._utm("utm.medium", {lead["medium"] for lead in leads})
        won = self._won_stage()
        existing = self._existing("crm.lead")
        todo = [x for x in leads if f"lead_{_slug(x['key'])}" not in existing]
        created = 0
        for batch in self._batches(todo, progress, "leads"):
            vals_list = []
            for lead in batch:
                vals = {
                    "name": f"X Education lead {lead['number']}",
                    "type": "opportunity" if lead["converted"] else "lead",
                    "user_id": False,
                    "team_id": team.id,
                    "company_id": team.company_id.id,
                    "source_id": sources.get(lead["source"], False),
                    "medium_id": mediums.get(lead["medium"], False),
                    "description": "<br/>".join(
                        filter(None, (lead["tags"], lead["quality"], lead["city"]))
                    ),
                }
                if lead["converted"]:
                    vals.update(
                        stage_id=won.id,
                        date_closed=self._at_midday(lead["create_date"]),
                    )
                else:
                    vals.update(active=False, probability=0)
                vals_list.append(vals)
            rows = [
                (x, f"lead_{_slug(x['key'])}", vals)
                for x, vals in zip(batch, vals_list, strict=True)
            ]
            done = self._create_rows("crm.lead", rows, rejects, ("leads", "Leads.csv"))
            self._set_dates(
                [(r.id, x["create_date"], x["create_date"]) for r, x in done]
            )
            created += len(done)
        return {"read": len(leads), "created": created}

    def _utm(self, model, names):
        """Ids of the UTM records of ``names``, reusing one of the same name."""
        result = {}
        for name in sorted(n for n in names if n):
            result[name] = self._ensure(
                model,
                f"{model.replace('.', '_')}_{_slug(name)}",
                {"name": name},
                Domain("name", "=ilike", name),
            ).id
        return result

    # ------------------------------------------------------------
    # Ad spend
    # ------------------------------------------------------------

    @api.model
    def import_ads(self, folder, rejects, progress=None):
        """One posted vendor bill per campaign and month, tagged as marketing spend."""
        months = real_data.ads.monthly(real_data.ads.read(folder, rejects))
        vendor = self._ensure(
            "res.partner",
            "vendor_advert_firm_a",
            {"name": "Advert Firm A", "is_company": True},
        )
        accounts = {
            name: self._marketing_account(name)
            for name in sorted({m["campaign"] for m in months})
        }
        expense = self.env["account.account"].search(
            [
                *self.env["account.account"]._check_company_domain(self.env.company),
                ("account_type", "=", "expense"),
            ],
            limit=1,
        )
        existing = self._existing("account.move")
        todo = [m for m in months if self._bill_name(m) not in existing]
        rows = [
            (
                m,
                self._bill_name(m),
                {
                    "move_type": "in_invoice",
                    "partner_id": vendor.id,
                    "invoice_date": self._month_end(m["month"]),
                    "ref": f"{m['campaign']} {m['month']:%Y-%m}",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": f"Online ads {m['campaign']}, "
                                f"{m['month']:%B %Y}: {m['conversions']} "
                                "post-click conversions",
                                "quantity": 1,
                                "price_unit": float(round(m["spend"], 2)),
                                "account_id": expense.id,
                                "tax_ids": [Command.clear()],
                                "analytic_distribution": {
                                    str(accounts[m["campaign"]].id): 100
                                },
                            }
                        )
                    ],
                },
            )
            for m in todo
        ]
        done = self._create_moves(rows, rejects, ("ads", real_data.ads.FILE), progress)
        return {"read": len(months), "created": done}

    def _bill_name(self, month):
        return f"bill_{_slug(month['campaign'])}_{month['month']:%Y%m}"

    @staticmethod
    def _month_end(day):
        following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return following - datetime.timedelta(days=1)

    def _marketing_account(self, campaign_name):
        campaign = self._ensure(
            "utm.campaign",
            f"campaign_{_slug(campaign_name)}",
            {"name": campaign_name},
            Domain("name", "=ilike", campaign_name),
        )
        return self._ensure(
            "account.analytic.account",
            f"analytic_{_slug(campaign_name)}",
            {
                "name": f"Ads {campaign_name}",
                "plan_id": self.env.ref(
                    "crm_closed_loop.account_analytic_plan_marketing"
                ).id,
                "utm_campaign_id": campaign.id,
                "company_id": self.env.company.id,
            },
        )

    def _create_moves(self, rows, rejects, where, progress):
        """Create and post moves in batches; a refused one is rejected, not fatal."""
        created = 0
        for batch in self._batches(rows, progress, where[0]):
            for record, _item in self._create_rows(
                "account.move", batch, rejects, where
            ):
                try:
                    with self.env.cr.savepoint():
                        record.action_post()
                    created += 1
                except Exception as error:  # the draft stays for a person to fix
                    rejects.add(*where, "", f"not posted: {error}", record.ref or "")
        return created

    # ------------------------------------------------------------
    # Hotel bookings
    # ------------------------------------------------------------

    @api.model
    def import_bookings(self, folder, rejects, progress=None):
        """Guests as customers acquired by their channel, room revenue as invoices.

        Bookings are anonymous, so guests are grouped into one customer per hotel,
        distribution channel and arrival year; that customer is acquired by a won
        lead of the channel (a UTM source) on its first arrival, and its room
        revenue is invoiced per arrival month.
        """
        bookings = real_data.bookings.read(folder, rejects)
        groups = real_data.bookings.monthly(bookings)
        team = self._ensure(
            "crm.team",
            "team_hotel_bookings",
            {
                "name": HOTEL_TEAM,
                "use_opportunities": True,
                "company_id": self.env.company.id,
            },
        )
        sources = self._utm("utm.source", {g["channel"] for g in groups})
        customers = self._booking_customers(groups, team, sources)
        existing = self._existing("account.move")
        rows = [
            (
                g,
                self._invoice_name(g),
                {
                    "move_type": "out_invoice",
                    "partner_id": customers[self._guest_key(g)].id,
                    "invoice_date": self._month_end(g["month"]),
                    "ref": f"{g['hotel']} {g['channel']} {g['month']:%Y-%m}",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": f"Room nights {g['month']:%B %Y} "
                                f"({g['bookings']} bookings)",
                                "quantity": 1,
                                "price_unit": float(round(g["revenue"], 2)),
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                },
            )
            for g in groups
            if g["revenue"] > 0 and self._invoice_name(g) not in existing
        ]
        done = self._create_moves(
            rows, rejects, ("bookings", real_data.bookings.FILE), progress
        )
        return {"read": len(bookings), "created": done}

    @staticmethod
    def _guest_key(group):
        return (group["hotel"], group["channel"], group["month"].year)

    def _invoice_name(self, group):
        hotel, channel, _year = self._guest_key(group)
        return (
            f"booking_{_slug(hotel)}_{_slug(channel or 'none')}_{group['month']:%Y%m}"
        )

    def _booking_customers(self, groups, team, sources):
        """One customer per hotel, channel and year, acquired by a won lead."""
        won = self._won_stage()
        firsts = {}
        for group in groups:
            key = self._guest_key(group)
            if key not in firsts or group["first_arrival"] < firsts[key]:
                firsts[key] = group["first_arrival"]
        customers = {}
        for (hotel, channel, year), first in sorted(firsts.items()):
            label = f"{hotel} guests via {channel or 'no channel'} {year}"
            slug = f"{_slug(hotel)}_{_slug(channel or 'none')}_{year}"
            partner = self._ensure(
                "res.partner", f"guests_{slug}", {"name": label, "is_company": True}
            )
            customers[(hotel, channel, year)] = partner
            if not self.env.ref(f"{XMLID_MODULE}.booking_lead_{slug}", False):
                lead = self._create_named(
                    "crm.lead",
                    [f"booking_lead_{slug}"],
                    [
                        {
                            "name": label,
                            "type": "opportunity",
                            "partner_id": partner.id,
                            "user_id": False,
                            "team_id": team.id,
                            "company_id": team.company_id.id,
                            "source_id": sources.get(channel, False),
                            "stage_id": won.id,
                            "date_closed": self._at_midday(first),
                        }
                    ],
                )
                self._set_dates([(lead.id, first, first)])
        return customers
