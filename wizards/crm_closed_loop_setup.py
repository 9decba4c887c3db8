from odoo import api, fields, models


class CrmClosedLoopSetup(models.TransientModel):
    """The closed-loop setup checklist: what is configured, what is missing.

    Built afresh each time it is opened (and on Refresh) from the companies the
    user works in, so it always shows the state of the database.
    """

    _name = "crm.closed.loop.setup"
    _description = "Closed-loop setup checklist"

    line_ids = fields.One2many("crm.closed.loop.setup.line", "setup_id", readonly=True)
    missing_count = fields.Integer(compute="_compute_missing_count")

    @api.depends("line_ids.state")
    def _compute_missing_count(self):
        for setup in self:
            setup.missing_count = len(
                setup.line_ids.filtered(lambda line: line.state == "missing")
            )

    @api.model
    def action_open_checklist(self):
        setup = self.create({})
        setup._build_lines()
        return setup._action_open()

    def action_refresh(self):
        self.ensure_one()
        self.line_ids.unlink()
        self._build_lines()
        return self._action_open()

    def action_complete_teams(self):
        """Create the missing rule, policy and intake form of every team."""
        self.ensure_one()
        self.env["crm.team"]._closed_loop_first_run_setup()
        return self.action_refresh()

    def _action_open(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Closed-loop setup"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------

    def _build_lines(self):
        self.ensure_one()
        values = []
        companies = self.env.companies
        for company in companies:
            values += self._company_checks(company)
        teams = self.env["crm.team"].search(
            [("company_id", "in", [False, *companies.ids])]
        )
        for team in teams:
            values += self._team_checks(team)
        values += self._campaign_checks(companies)
        self.env["crm.closed.loop.setup.line"].create(
            [
                {**vals, "setup_id": self.id, "sequence": sequence}
                for sequence, vals in enumerate(values)
            ]
        )

    def _line(self, area, name, ok, detail, fix, record):
        return {
            "area": area,
            "name": name,
            "state": "ok" if ok else "missing",
            "detail": detail,
            "fix": fix,
            "res_model": record._name,
            "res_id": record.id,
        }

    def _company_checks(self, company):
        calendar = company.resource_calendar_id
        return [
            self._line(
                "company",
                self.env._("%(company)s: working schedule", company=company.name),
                bool(calendar and calendar.attendance_ids),
                calendar.display_name
                if calendar
                else self.env._(
                    "No working schedule: follow-up deadlines cannot be counted."
                ),
                "company_calendar",
                company,
            ),
            self._line(
                "company",
                self.env._("%(company)s: stage probabilities", company=company.name),
                company.crm_probability_source == "stage",
                self.env._("Probabilities follow the stage.")
                if company.crm_probability_source == "stage"
                else self.env._(
                    "Still on predictive scoring: pick Stage probabilities."
                ),
                "company_probability",
                company,
            ),
        ]

    def _team_checks(self, team):
        Rule = self.env["crm.assignment.rule"]
        Policy = self.env["crm.followup.policy"]
        Form = self.env["crm.intake.form"]
        rules = Rule.search([("team_id", "=", team.id)])
        policy = Policy.search(
            [("team_id", "=", team.id), ("stage_id", "=", False)], limit=1
        )
        forms = Form.search([("team_id", "=", team.id)])
        members = team.crm_team_member_ids
        return [
            self._line(
                "team",
                self.env._("%(team)s: members", team=team.name),
                bool(members),
                self.env._("%(count)s salespeople", count=len(members))
                if members
                else self.env._("Nobody to assign leads to: add salespeople."),
                "team_members",
                team,
            ),
            self._line(
                "team",
                self.env._("%(team)s: assignment rule", team=team.name),
                bool(rules),
                ", ".join(rules.mapped("name"))
                if rules
                else self.env._("New leads wait for someone to take them."),
                "team_rule",
                team,
            ),
            self._line(
                "team",
                self.env._("%(team)s: follow-up policy", team=team.name),
                bool(policy),
                policy.name
                or self.env._("No first-response target: nobody is chased."),
                "team_policy",
                team,
            ),
            self._line(
                "team",
                self.env._("%(team)s: intake form", team=team.name),
                bool(forms),
                ", ".join(forms.mapped("key"))
                if forms
                else self.env._("Web enquiries cannot reach this team."),
                "team_form",
                team,
            ),
        ]

    def _campaign_checks(self, companies):
        """Campaigns that bring leads need their spend, or CAC stays unknown."""
        groups = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            ._read_group(
                [("campaign_id", "!=", False), ("company_id", "in", companies.ids)],
                ["campaign_id"],
            )
        )
        campaigns = self.env["utm.campaign"].browse(
            [campaign.id for [campaign] in groups]
        )
        if not campaigns:
            return []
        # One company at a time: the engine adds up only companies that share a
        # currency.
        Kpi = self.env["crm.closed.loop.kpi"]
        spent = {
            campaign_id
            for company in companies
            for (_company, campaign_id), row in Kpi.get_marketing_figures(
                company.ids, groupby="campaign", res_ids=campaigns.ids
            ).items()
            if row["spend"]
        }
        lines = []
        for campaign in campaigns.sorted("name"):
            if not campaign.marketing_analytic_account_ids:
                lines.append(
                    self._line(
                        "campaign",
                        self.env._("%(campaign)s: spend", campaign=campaign.name),
                        False,
                        self.env._(
                            "No Marketing analytic account: costs cannot be tagged."
                        ),
                        "campaign_account",
                        campaign,
                    )
                )
                continue
            lines.append(
                self._line(
                    "campaign",
                    self.env._("%(campaign)s: spend", campaign=campaign.name),
                    campaign.id in spent,
                    self.env._("Spend recorded.")
                    if campaign.id in spent
                    else self.env._(
                        "No posted cost tagged to its Marketing account yet."
                    ),
                    "campaign_spend",
                    campaign,
                )
            )
        return lines
