import contextlib
import datetime
import logging
import operator
import time
from collections import defaultdict

import pytz
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import locking
from .lib import kpi_formulas as kf
from .lib import response_bands

_logger = logging.getLogger(__name__)

# Business minutes within which a first response counts as "within target" when
# no value is configured (system parameter below).
DEFAULT_RESPONSE_TARGET_MINUTES = 60
RESPONSE_TARGET_PARAM = "crm_closed_loop.kpi_response_target_minutes"

# Groupings accepted by get_kpis(groupby=...): name -> report column.
GROUPBY_COLUMNS = {
    "source": "source_id",
    "medium": "medium_id",
    "campaign": "campaign_id",
    "user": "user_id",
    "team": "team_id",
}
# Groupings that marketing figures (spend, customers, revenue) can follow.
MARKETING_GROUPBYS = ("source", "medium", "campaign")

# Up to this many first responses in a period, response medians are exact (read
# from the leads); above it they are read from the summary's bands.
DEFAULT_EXACT_RESPONSE_LIMIT = 20000
EXACT_RESPONSE_LIMIT_PARAM = "crm_closed_loop.kpi_exact_response_limit"

# Context key that makes get_kpis read the leads themselves, not the summary
# (to check one against the other).
FROM_LEADS_CONTEXT = "crm_closed_loop_kpi_from_leads"

# Record model of each dimension of the summary cells.
CELL_DIMENSION_MODELS = {
    "source": "utm.source",
    "medium": "utm.medium",
    "campaign": "utm.campaign",
    "user": "res.users",
    "team": "crm.team",
    "lost_reason": "crm.lost.reason",
}

# Work memory of the scorecard's aggregates, when the server gives less: enough
# to group a year of a million leads in memory.
KPI_WORK_MEM = "64MB"

# Managers served per batch of the weekly e-mail job.
SCORECARD_MAIL_BATCH = 20

# Groups that see the whole scorecard; everyone else sees their own leads only.
FULL_SCORECARD_GROUPS = (
    "sales_team.group_sale_manager",
    "crm_closed_loop.group_marketing",
    "account.group_account_readonly",
)


class CrmClosedLoopKpi(models.AbstractModel):
    """The one KPI engine of the closed loop.

    ``get_kpis`` is the public read API: the scorecard report, the pivot-backed
    figures, the weekly e-mail and the digest call it; the campaign and channel
    forms call ``get_marketing_figures``, its marketing part alone. They run a
    handful of aggregate queries on the two analysis views
    (``crm.closed.loop.lead.report`` and ``crm.closed.loop.marketing.report``) with
    the caller's access rights, and leave the arithmetic to
    ``models/lib/kpi_formulas.py``.
    """

    _name = "crm.closed.loop.kpi"
    _description = "Closed-loop KPI engine"

    # ------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------

    @api.model
    def get_kpis(self, date_from, date_to, company_ids, team_ids=None, groupby=None):
        """Return the scorecard's KPIs for a period as plain, JSON-ready data.

        :param date_from: first day of the period (``date`` or ``"YYYY-MM-DD"``),
            or ``None`` for no lower bound
        :param date_to: last day of the period, inclusive, or ``None``
        :param company_ids: ids of the companies to cover (all must share one
            currency); empty means the current company
        :param team_ids: optional ids of sales teams; filters leads, customers and
            revenue (spend is not split by team)
        :param groupby: optional ``"source"``, ``"medium"``, ``"campaign"``,
            ``"user"`` or ``"team"``: adds ``rows``, the cohort and (for the first
            three) the marketing figures per value
        :return: a dict of numbers, strings, lists and ``None`` (see README,
            "KPI formulas"); rates are fractions (0.3 for 30 %), money is in the
            companies' currency, ``None`` means "not defined", never zero
        """
        date_from, date_to = self._parse_period(date_from, date_to)
        companies = self._check_companies(company_ids)
        team_ids = self._ids_argument("team_ids", team_ids)
        if groupby and (not isinstance(groupby, str) or groupby not in GROUPBY_COLUMNS):
            raise UserError(
                self.env._(
                    "Unknown grouping %(groupby)s; use one of %(allowed)s.",
                    groupby=groupby,
                    allowed=", ".join(GROUPBY_COLUMNS),
                )
            )
        with self._without_jit():
            return self._compute_kpis(date_from, date_to, companies, team_ids, groupby)

    @api.model
    def get_marketing_figures(
        self, company_ids, groupby=None, res_ids=None, date_from=None, date_to=None
    ):
        """Spend, customers acquired and attributed revenue per company and campaign,
        channel or medium, with CAC and return on spend.

        The campaign and channel forms read their figures here: the same analysis
        view and formulas as the marketing section of :meth:`get_kpis`, without the
        lead cohort the scorecard needs as well. Runs with the caller's rights on
        ``crm.closed.loop.marketing.report``.

        :param company_ids: ids of the companies (sharing one currency); empty
            means the current company
        :param groupby: ``"source"``, ``"medium"``, ``"campaign"`` or ``None`` for
            one total per company
        :param res_ids: optional ids of the campaigns (channels, mediums) to cover
        :param date_from, date_to: optional period, both included (spend by
            accounting date, customers and revenue by acquisition date)
        :return: ``{(company_id, key_id): row}``, ``key_id`` being ``None`` for
            the total or an unset value, ``row`` a marketing row as in
            :meth:`get_kpis` (spend, customers, cac, revenue, return_on_spend,
            revenue_per_customer)
        """
        date_from, date_to = self._parse_period(date_from, date_to)
        companies = self._check_companies(company_ids)
        if groupby is not None and groupby not in MARKETING_GROUPBYS:
            raise UserError(
                self.env._(
                    "Unknown grouping %(groupby)s; use one of %(allowed)s.",
                    groupby=groupby,
                    allowed=", ".join(MARKETING_GROUPBYS),
                )
            )
        column = groupby and GROUPBY_COLUMNS[groupby]
        res_filter = None
        if column and res_ids is not None:
            res_filter = self._ids_argument("res_ids", res_ids)
        with self._without_jit():
            groups = self._marketing_sums(
                date_from,
                date_to,
                companies,
                None,
                ["company_id", column] if column else ["company_id"],
                res_filter=res_filter,
            )
        figures = {}
        for company_id, *key, spend, customers, revenue in groups:
            key_id = (key[0] or None) if key else None
            figures[company_id, key_id] = kf.marketing_row(spend, customers, revenue)
        return figures

    @contextlib.contextmanager
    def _without_jit(self):
        """Run the aggregates without PostgreSQL's JIT compilation, with room
        to sort and hash in memory.

        The analysis views are costed high enough to trigger JIT, whose compile
        time exceeded the queries' own on the benchmark (1.7 s of 3.1 s for one
        year on a million leads). With PostgreSQL's default 4 MB of work memory,
        a year's cohort on a million leads was grouped by sorting on disk (0.9 s)
        instead of hashing in memory (0.4 s), and the response times were sorted
        on disk. The previous settings are restored afterwards.
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT current_setting('jit'), current_setting('work_mem'),"
                " pg_size_bytes(current_setting('work_mem')) < pg_size_bytes(%s)",
                KPI_WORK_MEM,
            )
        )
        jit, work_mem, raise_work_mem = cr.fetchone()
        cr.execute("SET LOCAL jit = off")
        if raise_work_mem:
            cr.execute(SQL("SELECT set_config('work_mem', %s, true)", KPI_WORK_MEM))
        # Not in a finally: after a failed query the transaction is rolled back,
        # and SET LOCAL with it.
        yield
        cr.execute(
            SQL(
                "SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)",
                jit,
                work_mem,
            )
        )

    def _compute_kpis(self, date_from, date_to, companies, team_ids, groupby):
        lead_domain = self._lead_domain(date_from, date_to, companies, team_ids)
        target = self._response_target()
        plan = self._summary_plan(date_from, date_to)
        # Without the record rules, the cells must keep to the allowed companies.
        summed = companies if self.env.su else companies & self.env.companies
        if plan is None or not summed:
            cohort = self._read_cohort(lead_domain, groupby)
            response = self._read_response(lead_domain, target)
            pipeline = self._read_pipeline(companies, team_ids)
        else:
            cohort, bands = self._read_cohort_from_cells(summed, team_ids, plan)
            if cohort["responded"] <= self._exact_response_limit():
                response = self._read_response(lead_domain, target)
            else:
                response = self._response_from_bands(bands, target)
            pipeline = self._read_pipeline_from_cells(summed, team_ids)
        result = {
            "period": {
                "date_from": date_from and date_from.isoformat(),
                "date_to": date_to and date_to.isoformat(),
            },
            "company_ids": companies.ids,
            "team_ids": team_ids,
            "currency": companies[:1].currency_id.name,
            "scope": "all" if self._has_full_scorecard() else "own",
            "leads": self._leads_section(cohort),
            "conversion": kf.conversion_row(*cohort["total"]),
            "lost_reasons": self._lost_rows(cohort["lost_reasons"]),
            "response": response["total"],
            "pipeline": pipeline,
            "salespeople": self._salespeople_section(cohort, response),
            "marketing": None,
        }
        money = None
        if self.env["crm.closed.loop.marketing.report"].has_access("read"):
            result["marketing"], money = self._read_marketing(
                date_from, date_to, companies, team_ids
            )
        if groupby:
            result["groupby"] = groupby
            result["rows"] = self._grouped_rows(cohort, money, groupby)
        return result

    # ------------------------------------------------------------
    # Arguments
    # ------------------------------------------------------------

    def _parse_period(self, date_from, date_to):
        try:
            date_from = fields.Date.to_date(date_from) if date_from else None
            date_to = fields.Date.to_date(date_to) if date_to else None
            for day in (date_from, date_to):
                # Far-off years overflow the period arithmetic (previous period).
                if day and not 1900 <= day.year <= 2200:
                    raise ValueError(f"{day} is out of range")
        except (TypeError, ValueError) as error:
            raise UserError(
                self.env._(
                    "Give the period's dates as YYYY-MM-DD (%(error)s).", error=error
                )
            ) from error
        if date_from and date_to and date_from > date_to:
            raise UserError(
                self.env._(
                    "The period starts on %(start)s, after its end %(end)s.",
                    start=date_from,
                    end=date_to,
                )
            )
        return date_from, date_to

    def _ids_argument(self, name, ids):
        try:
            return [int(record_id) for record_id in ids or []]
        except (TypeError, ValueError) as error:
            raise UserError(
                self.env._(
                    "Give %(name)s as a list of record ids, not %(value)r.",
                    name=name,
                    value=ids,
                )
            ) from error

    def _check_companies(self, company_ids):
        companies = self.env["res.company"].browse(
            self._ids_argument("company_ids", company_ids) or self.env.company.ids
        )
        foreign = companies - self.env.user.company_ids
        if foreign:
            raise UserError(
                self.env._(
                    "You have no access to the companies %(ids)s.", ids=foreign.ids
                )
            )
        if len(companies.currency_id) > 1:
            raise UserError(
                self.env._(
                    "The companies %(names)s keep their books in different "
                    "currencies; choose companies that share one.",
                    names=", ".join(companies.mapped("name")),
                )
            )
        return companies

    def _has_full_scorecard(self):
        return any(self.env.user.has_group(group) for group in FULL_SCORECARD_GROUPS)

    def _response_target(self):
        # sudo: ir.config_parameter - the target is a company-wide setting any
        # reader of the scorecard needs
        value = self.env["ir.config_parameter"].sudo().get_param(RESPONSE_TARGET_PARAM)
        try:
            return float(value) if value else float(DEFAULT_RESPONSE_TARGET_MINUTES)
        except ValueError:
            return float(DEFAULT_RESPONSE_TARGET_MINUTES)

    def _utc_bounds(self, date_from, date_to):
        """The period's days in the user's time zone, as naive UTC datetimes."""
        tz = pytz.timezone(self.env.user.tz or "UTC")

        def to_utc(day):
            local = tz.localize(datetime.datetime.combine(day, datetime.time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        start = to_utc(date_from) if date_from else None
        end = to_utc(date_to + datetime.timedelta(days=1)) if date_to else None
        return start, end

    def _lead_domain(self, date_from, date_to, companies, team_ids):
        start, end = self._utc_bounds(date_from, date_to)
        domain = Domain("company_id", "in", companies.ids)
        if start:
            domain &= Domain("create_date", ">=", start)
        if end:
            domain &= Domain("create_date", "<", end)
        if team_ids:
            domain &= Domain("team_id", "in", team_ids)
        return domain

    # ------------------------------------------------------------
    # Queries
    # ------------------------------------------------------------

    def _read_cohort(self, domain, groupby):
        """Lead counts of the cohort, rolled up from one grouped query."""
        extra = [GROUPBY_COLUMNS[groupby]] if groupby in ("team",) else []
        groups = self.env["crm.closed.loop.lead.report"]._read_group(
            domain,
            groupby=[
                "source_id",
                "medium_id",
                "campaign_id",
                "user_id",
                "lost_reason_id",
                *extra,
            ],
            aggregates=[
                "__count",
                "won_count:sum",
                "lost_count:sum",
                "contact_count:sum",
                "contacted_count:sum",
            ],
        )
        total = [0, 0, 0]
        by = {name: defaultdict(lambda: [0, 0, 0, 0, 0]) for name in GROUPBY_COLUMNS}
        lost_reasons = defaultdict(int)
        for row in groups:
            source, medium, campaign, user, reason, *rest = row[: 5 + len(extra)]
            count, won, lost, contacts, contacted = row[5 + len(extra) :]
            keys = {
                "source": source,
                "medium": medium,
                "campaign": campaign,
                "user": user,
                "team": rest[0] if rest else None,
            }
            for name, record in keys.items():
                bucket = by[name][record]
                for index, value in enumerate((count, won, lost, contacts, contacted)):
                    bucket[index] += value
            total[0] += count
            total[1] += won
            total[2] += lost
            if lost:
                lost_reasons[reason] += lost
        return {"total": total, "by": by, "lost_reasons": lost_reasons}

    def _lost_rows(self, lost_reasons):
        rows = [
            {
                "id": reason.id or None,
                "name": reason.name if reason else self.env._("No reason given"),
                "count": count,
            }
            for reason, count in lost_reasons.items()
        ]
        total = sum(row["count"] for row in rows)
        for row in rows:
            row["share"] = kf.finite_or_none(kf.ratio(row["count"], total))
        return sorted(
            rows, key=lambda row: (-row["count"], row["name"], row["id"] or 0)
        )

    def _read_response(self, domain, target):
        """First-response time per salesperson and overall, in one query."""
        model = self.env["crm.closed.loop.lead.report"]
        query = model._search(domain)
        user_column = model._field_to_sql(model._table, "user_id", query)
        minutes = model._field_to_sql(model._table, "first_response_minutes", query)
        team_target = model._field_to_sql(
            model._table, "response_target_minutes", query
        )
        contacted = model._field_to_sql(model._table, "contacted_count", query)
        query.add_where(SQL("%s IS NOT NULL AND %s = 1", minutes, contacted))
        query.groupby = SQL("GROUPING SETS ((%s), ())", user_column)
        rows = self.env.execute_query(
            query.select(
                SQL("GROUPING(%s) = 1", user_column),
                user_column,
                SQL("COUNT(*)"),
                SQL(
                    "COUNT(*) FILTER (WHERE %s <= COALESCE(%s, %s))",
                    minutes,
                    team_target,
                    target,
                ),
                SQL("AVG(%s)", minutes),
                SQL("percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)", minutes),
            )
        )
        result = {"total": kf.response_row(0, 0, None, None, target), "by_user": {}}
        for is_total, user_id, contacted, within, average, median in rows:
            row = kf.response_row(contacted, within, average, median, target)
            if is_total:
                result["total"] = row
            else:
                result["by_user"][user_id] = row
        return result

    def _read_pipeline(self, companies, team_ids):
        """Open opportunities now, per stage: count, expected and weighted revenue."""
        domain = Domain("company_id", "in", companies.ids) & Domain(
            "is_open_opportunity", "=", True
        )
        if team_ids:
            domain &= Domain("team_id", "in", team_ids)
        groups = self.env["crm.closed.loop.lead.report"]._read_group(
            domain,
            groupby=["stage_id"],
            aggregates=["__count", "expected_revenue:sum", "weighted_revenue:sum"],
            order="stage_id",
        )
        return self._pipeline_section(groups)

    def _pipeline_section(self, groups):
        stages = [
            {
                "id": stage.id or None,
                "name": stage.name or self.env._("No stage"),
                "count": count,
                "expected_revenue": kf.finite_or_none(expected),
                "weighted_revenue": kf.finite_or_none(weighted),
            }
            for stage, count, expected, weighted in groups
        ]
        return {
            "stages": stages,
            "count": sum(s["count"] for s in stages),
            "expected_revenue": kf.finite_or_none(
                sum(s["expected_revenue"] or 0.0 for s in stages)
            ),
            "weighted_revenue": kf.finite_or_none(
                sum(s["weighted_revenue"] or 0.0 for s in stages)
            ),
        }

    # ------------------------------------------------------------
    # Summary cells (crm.closed.loop.kpi.cell)
    # ------------------------------------------------------------

    def _summary_plan(self, date_from, date_to):
        """How to read the period's leads from the summary cells, or ``None`` to
        read the leads themselves.

        Cells hold whole UTC months. A partial month at either end of the period
        is read from the leads: added to the whole months, or, when most of that
        month is inside the period, its cell is taken whole and the part outside
        the period taken off. When those ends span as much time as the period
        itself (a week, a month in another time zone), the leads are read
        directly. Cells know no record rules: they serve only users who see
        every lead of their companies. The context key ``FROM_LEADS_CONTEXT``
        reads the leads in any case.
        """
        if self.env.context.get(FROM_LEADS_CONTEXT) or not (
            self.env.su or self._has_full_scorecard()
        ):
            return None
        self.env["crm.closed.loop.lead.report"].check_access("read")
        start, end = self._utc_bounds(date_from, date_to)
        edges = []
        month_from = month_to = None
        if start:
            first = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            following = first + relativedelta(months=1)
            if start == first:
                month_from = first
            elif following - start <= start - first:
                month_from = following
                edges.append((1, start, following))
            else:
                month_from = first
                edges.append((-1, first, start))
        if end:
            last = end.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            following = last + relativedelta(months=1)
            if end == last:
                month_to = last
            elif end - last <= following - end:
                month_to = last
                edges.append((1, last, end))
            else:
                month_to = following
                edges.append((-1, end, following))
        if start and end:
            read_live = sum(
                (to - since for _s, since, to in edges), datetime.timedelta()
            )
            if read_live >= end - start or month_from > month_to:
                return None
        return {
            "month_from": month_from and month_from.date(),
            "month_to": month_to and month_to.date(),
            "edges": edges,
        }

    def _exact_response_limit(self):
        """Up to this many first responses in a period, medians and shares within
        target are computed from the leads; above it, from the cells' bands."""
        # sudo: ir.config_parameter - a company-wide setting any reader needs
        value = (
            self.env["ir.config_parameter"].sudo().get_param(EXACT_RESPONSE_LIMIT_PARAM)
        )
        try:
            return int(value) if value else DEFAULT_EXACT_RESPONSE_LIMIT
        except ValueError:
            return DEFAULT_EXACT_RESPONSE_LIMIT

    def _read_cohort_from_cells(self, companies, team_ids, plan):
        """The cohort as :meth:`_read_cohort` returns it, with the number of
        first responses, and the salespeople's response bands per team."""
        rows = self.env["crm.closed.loop.kpi.cell"]._sum_cohort(
            companies.ids,
            team_ids,
            plan["month_from"],
            plan["month_to"],
            plan["edges"],
        )
        total = [0, 0, 0]
        by_id = {name: defaultdict(lambda: [0, 0, 0, 0, 0]) for name in GROUPBY_COLUMNS}
        lost_by_id = defaultdict(int)
        bands = []
        responded_total = 0
        for dimension, value_id, team_id, *measures in rows:
            count, won, lost, contacts, contacted, responded, minutes = measures[:7]
            if dimension == "lost_reason":
                lost_by_id[value_id] += lost
                continue
            bucket = by_id[dimension][value_id]
            bucket[0] += count
            bucket[1] += won
            bucket[2] += lost
            bucket[3] += contacts
            bucket[4] += contacted
            if dimension == "team":
                total[0] += count
                total[1] += won
                total[2] += lost
            elif dimension == "user" and responded:
                responded_total += responded
                bands.append((value_id, team_id, responded, minutes, measures[7:]))
        by_id["lost_reason"] = {key: [lost] for key, lost in lost_by_id.items() if lost}
        # Keyed by record as _read_group gives them: one recordset per dimension,
        # so that names are read in one query each.
        by = {}
        for dimension, values in by_id.items():
            Model = self.env[CELL_DIMENSION_MODELS[dimension]]
            records = Model.browse(sorted(key for key in values if key))
            by[dimension] = {record: values[record.id] for record in records} | (
                {Model.browse(): values[None]} if None in values else {}
            )
        lost_reasons = {
            reason: values[0] for reason, values in by.pop("lost_reason").items()
        }
        cohort = {
            "total": total,
            "by": by,
            "lost_reasons": lost_reasons,
            "responded": responded_total,
        }
        return cohort, bands

    def _response_from_bands(self, bands, target):
        """First-response figures as :meth:`_read_response` returns them, from
        the cells' response bands (medians and shares within a target that falls
        inside a band are interpolated)."""
        team_targets = self._team_response_targets()

        def new_sums():
            return {
                "count": 0,
                "within": 0.0,
                "minutes": 0.0,
                "bands": [0] * len(response_bands.FIELD_NAMES),
            }

        per_user = defaultdict(new_sums)
        weights = {}
        for user_id, team_id, responded, minutes, counts in bands:
            team_target = team_targets.get(team_id, target)
            if team_target not in weights:
                weights[team_target] = response_bands.within_weights(team_target)
            sums = per_user[user_id]
            sums["count"] += responded
            sums["within"] += sum(map(operator.mul, counts, weights[team_target]))
            sums["minutes"] += minutes
            sums["bands"] = list(map(operator.add, sums["bands"], counts))
        overall = new_sums()
        for sums in per_user.values():
            overall["count"] += sums["count"]
            overall["within"] += sums["within"]
            overall["minutes"] += sums["minutes"]
            overall["bands"] = list(map(operator.add, overall["bands"], sums["bands"]))

        def row(sums):
            return kf.response_row(
                sums["count"],
                round(sums["within"]),
                sums["minutes"] / sums["count"] if sums["count"] else None,
                response_bands.median(sums["bands"]),
                target,
            )

        return {
            "total": row(overall),
            "by_user": {user_id: row(sums) for user_id, sums in per_user.items()},
        }

    def _team_response_targets(self):
        """First-response target in minutes of each team with a default policy."""
        # sudo: crm.followup.policy - the scorecard applies every team's target,
        # as the lead analysis view does, whoever reads it
        policies = (
            self.env["crm.followup.policy"]
            .sudo()
            .search_read(
                [("stage_id", "=", False)], ["team_id", "first_response_hours"]
            )
        )
        return {
            policy["team_id"][0]: policy["first_response_hours"] * 60
            for policy in policies
        }

    def _read_pipeline_from_cells(self, companies, team_ids):
        rows = self.env["crm.closed.loop.kpi.cell"]._sum_pipeline(
            companies.ids, team_ids
        )
        Stage = self.env["crm.stage"]
        stages = Stage.browse([stage_id for stage_id, *_sums in rows if stage_id])
        position = {stage.id: index for index, stage in enumerate(stages.sorted())}
        groups = sorted(
            (
                (Stage.browse(stage_id), count, expected, weighted)
                for stage_id, count, expected, weighted in rows
            ),
            key=lambda group: position.get(group[0].id, len(position)),
        )
        return self._pipeline_section(groups)

    def _marketing_domain(self, date_from, date_to, companies, team_ids):
        """The marketing figures' filter as a domain on the marketing view: the
        contract that :meth:`_marketing_sums` computes in SQL, and that the
        tests check it against."""
        domain = Domain("company_id", "in", companies.ids)
        if date_from:
            domain &= Domain("date", ">=", date_from)
        if date_to:
            domain &= Domain("date", "<=", date_to)
        if team_ids:
            # Spend belongs to no team: it stays in, customers and revenue follow
            # the team of the lead that won the customer.
            domain &= Domain("kind", "=", "spend") | Domain("team_id", "in", team_ids)
        return domain

    def _read_marketing(self, date_from, date_to, companies, team_ids):
        """Spend, customers acquired and attributed revenue by channel and campaign."""
        groups = self._marketing_records(
            self._marketing_sums(
                date_from,
                date_to,
                companies,
                team_ids,
                ["source_id", "medium_id", "campaign_id"],
            ),
            ["utm.source", "utm.medium", "utm.campaign"],
        )
        totals = [0.0, 0, 0.0]
        by = {name: defaultdict(lambda: [0.0, 0, 0.0]) for name in MARKETING_GROUPBYS}
        for source, medium, campaign, spend, customers, revenue in groups:
            values = (spend or 0.0, customers or 0, revenue or 0.0)
            for name, record in (
                ("source", source),
                ("medium", medium),
                ("campaign", campaign),
            ):
                bucket = by[name][record]
                for index, value in enumerate(values):
                    bucket[index] += value
            for index, value in enumerate(values):
                totals[index] += value
        result = kf.marketing_row(*totals)
        result["by_source"] = self._marketing_rows(by["source"])
        result["by_campaign"] = self._marketing_rows(by["campaign"])
        result["by_medium"] = self._marketing_rows(by["medium"])
        return result, by

    def _marketing_records(self, rows, model_names):
        """``rows`` with their leading ids as records, as ``_read_group`` gives
        them: an empty record for no value, one prefetch set per model."""
        rows = list(rows)
        models_ids = [
            (self.env[name], tuple({row[i] for row in rows if row[i]}))
            for i, name in enumerate(model_names)
        ]
        return [
            (
                *(
                    model.browse(row[i] or ()).with_prefetch(ids)
                    for i, (model, ids) in enumerate(models_ids)
                ),
                *row[len(model_names) :],
            )
            for row in rows
        ]

    def _marketing_sums(
        self, date_from, date_to, companies, team_ids, columns, res_filter=None
    ):
        """Spend, customers and attributed revenue grouped by ``columns`` of
        ``crm.closed.loop.marketing.report``: the very sums ``_read_group`` gives
        on that view for the domain of :meth:`_marketing_domain` (and
        ``columns[-1] in res_filter`` when given), in its order, read from the
        acquisitions' cached revenue and the period's analytic lines.

        The revenue of an acquisition whose customer has changes the refresh
        job has not handled yet (a stale mark, or no cache at all) is computed
        live, by the view's own rules.
        """
        report = self.env["crm.closed.loop.marketing.report"]
        # The view's access contract: its model access, and its one record rule
        # (company_id in the allowed companies) applied below by hand.
        report.check_access("read")
        company_ids = companies.ids
        if not self.env.su:
            company_ids = [cid for cid in company_ids if cid in self.env.companies.ids]
        self.env["crm.customer.acquisition"]._flush_revenue_sources()
        parts = [self._acquisition_sums_sql(date_from, date_to, company_ids, team_ids)]
        plan = self.env["crm.customer.acquisition"]._marketing_plan()
        if plan:
            # Made with the plan, so not in the view's _depends (see its
            # _table_sql): flushed by name.
            lines = self.env["account.analytic.line"]
            if plan._column_name() in lines._fields:
                lines.flush_model([plan._column_name()])
            condition = self._period_sql("line", date_from, date_to, company_ids)
            parts.append(
                SQL(
                    "SELECT s.*, 0 AS customers, 0::numeric AS revenue FROM (%s) s",
                    report._period_spend_sql(plan, condition),
                )
            )
        group = SQL(", ").join(SQL.identifier("f", column) for column in columns)
        where = SQL("TRUE")
        if res_filter is not None:
            where = SQL("%s = ANY(%s)", SQL.identifier("f", columns[-1]), res_filter)
        # Only the companies checked above are read; the rows are sums, the
        # documents behind them are not returned.
        return self.env.execute_query(
            SQL(
                "SELECT %(group)s, SUM(f.spend), SUM(f.customers), SUM(f.revenue)"
                " FROM (%(parts)s) f WHERE %(where)s"
                " GROUP BY %(group)s ORDER BY %(group)s",
                group=group,
                parts=SQL(" UNION ALL ").join(parts),
                where=where,
            )
        )

    def _period_sql(self, alias, date_from, date_to, company_ids):
        conditions = [
            SQL("%s = ANY(%s)", SQL.identifier(alias, "company_id"), company_ids)
        ]
        if date_from:
            conditions.append(SQL("%s >= %s", SQL.identifier(alias, "date"), date_from))
        if date_to:
            conditions.append(SQL("%s <= %s", SQL.identifier(alias, "date"), date_to))
        return SQL(" AND ").join(conditions)

    def _acquisition_sums_sql(self, date_from, date_to, company_ids, team_ids):
        report = self.env["crm.closed.loop.marketing.report"]
        condition = self._period_sql("a", date_from, date_to, company_ids)
        if team_ids:
            # Customers and revenue follow the team of the lead that won them.
            condition = SQL(
                "%s AND (SELECT l.team_id FROM crm_lead l WHERE l.id = a.lead_id)"
                " = ANY(%s)",
                condition,
                team_ids,
            )
        # Two parts, one per kind of acquisition: those whose cache holds go
        # through a hashed anti-join on the stale marks, the others compute
        # their revenue live by the view's rules.
        fresh = self.env["crm.customer.acquisition"]._revenue_is_fresh_sql()
        return SQL(
            """
            SELECT a.company_id, a.source_id, a.medium_id, a.campaign_id,
                   0::numeric AS spend,
                   COUNT(*)::int AS customers,
                   SUM(a.attributed_revenue) AS revenue
              FROM crm_customer_acquisition a
             WHERE %(condition)s AND %(fresh)s
             GROUP BY 1, 2, 3, 4
             UNION ALL
            SELECT a.company_id, a.source_id, a.medium_id, a.campaign_id,
                   0::numeric AS spend,
                   COUNT(*)::int AS customers,
                   SUM(%(live)s) AS revenue
              FROM crm_customer_acquisition a
             WHERE %(condition)s AND NOT %(fresh)s
             GROUP BY 1, 2, 3, 4
            """,
            fresh=fresh,
            live=report._attributed_revenue_sql(),
            condition=condition,
        )

    def _marketing_rows(self, buckets):
        rows = []
        for record, (spend, customers, revenue) in buckets.items():
            row = {"id": record.id or None, "name": self._label(record)}
            row.update(kf.marketing_row(spend, customers, revenue))
            rows.append(row)
        return sorted(
            rows,
            key=lambda row: (-(row["spend"] or 0.0), row["name"], row["id"] or 0),
        )

    # ------------------------------------------------------------
    # Sections
    # ------------------------------------------------------------

    def _label(self, record):
        return record.display_name if record else self.env._("Not set")

    def _user_names(self, user_ids):
        """Names of salespeople by id, in one query: computing the name of each
        of thousands of users took a tenth of a year's scorecard."""
        if not user_ids:
            return {}
        # Like the related field res.users.name (read as superuser): a user's
        # name is their partner's.
        return dict(
            self.env.execute_query(
                SQL(
                    "SELECT u.id, p.name FROM res_users u"
                    " JOIN res_partner p ON p.id = u.partner_id WHERE u.id IN %s",
                    tuple(user_ids),
                )
            )
        )

    def _leads_section(self, cohort):
        section = {"total": cohort["total"][0]}
        for name in ("source", "medium", "campaign"):
            rows = [
                {
                    "id": record.id or None,
                    "name": self._label(record),
                    "count": values[0],
                    "won": values[1],
                    "conversion_rate": kf.finite_or_none(
                        kf.conversion_rate(values[1], values[0])
                    ),
                }
                for record, values in cohort["by"][name].items()
            ]
            section[f"by_{name}"] = sorted(
                rows, key=lambda row: (-row["count"], row["name"], row["id"] or 0)
            )
        return section

    def _salespeople_section(self, cohort, response):
        rows = []
        users = cohort["by"]["user"]
        names = self._user_names([user.id for user in users if user])
        for user, (count, won, lost, contacts, contacted) in users.items():
            timing = response["by_user"].get(
                user.id or None, kf.response_row(0, 0, None, None, None)
            )
            rows.append(
                {
                    "user_id": user.id or None,
                    "name": names.get(user.id) or self._label(user),
                    "leads": count,
                    "contacted": contacted,
                    "contacts": contacts,
                    "won": won,
                    "lost": lost,
                    "conversion_rate": kf.finite_or_none(
                        kf.conversion_rate(won, count)
                    ),
                    "win_rate": kf.finite_or_none(kf.win_rate(won, lost)),
                    "median_response_minutes": timing["median_minutes"],
                    "average_response_minutes": timing["average_minutes"],
                    "within_target_rate": timing["within_target_rate"],
                }
            )
        return sorted(
            rows, key=lambda row: (-row["leads"], row["name"], row["user_id"] or 0)
        )

    def _grouped_rows(self, cohort, money, groupby):
        buckets = cohort["by"][groupby]
        with_money = money is not None and groupby in MARKETING_GROUPBYS
        money = money[groupby] if with_money else {}
        rows = []
        for record in set(buckets) | set(money):
            count, won, lost = buckets.get(record, [0, 0, 0])[:3]
            row = {"id": record.id or None, "name": self._label(record)}
            row.update(kf.conversion_row(count, won, lost))
            if with_money:
                row.update(kf.marketing_row(*money.get(record, (0.0, 0, 0.0))))
            rows.append(row)
        return sorted(
            rows, key=lambda row: (-row["leads"], row["name"], row["id"] or 0)
        )

    # ------------------------------------------------------------
    # Weekly e-mail
    # ------------------------------------------------------------

    @api.model
    def _cron_send_weekly_scorecard(self, batch_size=SCORECARD_MAIL_BATCH):
        """Send last week's scorecard to every sales manager who did not opt out.

        A user is served once per week (``scorecard_last_sent``), batches are
        committed as they go and the rows are locked with SKIP LOCKED, so a rerun
        or a second worker sends nothing twice.
        """
        started = time.monotonic()
        week_start = self._week_start(fields.Date.context_today(self))
        sent = 0
        while True:
            users = self._scorecard_recipients(week_start, batch_size)
            if not users:
                break
            self._send_weekly_scorecard(users, week_start)
            sent += len(users)
            remaining = self._scorecard_recipients_count(week_start)
            if not self.env["ir.cron"]._commit_progress(
                len(users), remaining=remaining
            ):
                break
        _logger.info(
            "Weekly scorecard sent to %s managers in %.1fs",
            sent,
            time.monotonic() - started,
        )

    @api.model
    def _week_start(self, day):
        return day - datetime.timedelta(days=day.weekday())

    def _scorecard_recipients_domain(self, week_start):
        return Domain.AND(
            [
                Domain(
                    "all_group_ids",
                    "in",
                    self.env.ref("sales_team.group_sale_manager").ids,
                ),
                Domain("share", "=", False),
                Domain("scorecard_email_opt_out", "=", False),
                Domain("email", "!=", False),
                Domain("scorecard_last_sent", "=", False)
                | Domain("scorecard_last_sent", "<", week_start),
            ]
        )

    def _scorecard_recipients_count(self, week_start):
        return self.env["res.users"].search_count(
            self._scorecard_recipients_domain(week_start)
        )

    def _scorecard_recipients(self, week_start, limit):
        """Up to ``limit`` due managers, locked so no other worker takes them."""
        candidates = self.env["res.users"].search(
            self._scorecard_recipients_domain(week_start), limit=limit * 2, order="id"
        )
        if not candidates:
            return candidates
        candidates.flush_recordset(["scorecard_last_sent"])
        # Still due, checked again on the locked row: when a rival's commit
        # made the lock start a new transaction, the candidates come from the
        # old snapshot, and the rival may have served them meanwhile.
        rows = locking.lock_skipping_held(
            self.env,
            SQL(
                "SELECT id FROM res_users WHERE id IN %s"
                " AND (scorecard_last_sent IS NULL OR scorecard_last_sent < %s)"
                " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                tuple(candidates.ids),
                week_start,
                limit,
            ),
        )
        return candidates.browse([row[0] for row in rows])

    def _send_weekly_scorecard(self, users, week_start):
        """Queue one e-mail per user with last week's scorecard, as they see it."""
        date_from = week_start - datetime.timedelta(days=7)
        date_to = week_start - datetime.timedelta(days=1)
        mails = []
        for user in users:
            report = (
                self.env["report.crm_closed_loop.report_scorecard"]
                .with_user(user)
                .with_company(user.company_id)
            )
            values = report._scorecard_values(
                {
                    "date_from": date_from,
                    "date_to": date_to,
                    "company_id": user.company_id.id,
                    "compare": True,
                }
            )
            body = report.env["ir.qweb"]._render(
                "crm_closed_loop.report_scorecard_body", values
            )
            mails.append(
                {
                    "subject": self.env._(
                        "Marketing and Sales Scorecard, %(start)s to %(end)s",
                        start=date_from,
                        end=date_to,
                    ),
                    "body_html": body,
                    "email_to": user.email_formatted,
                    "recipient_ids": [Command.link(user.partner_id.id)],
                    "auto_delete": True,
                }
            )
        # sudo: mail.mail - the job queues the e-mails of other users
        self.env["mail.mail"].sudo().create(mails)
        # sudo: res.users - marks other users as served for this week
        users.sudo().write({"scorecard_last_sent": week_start})
