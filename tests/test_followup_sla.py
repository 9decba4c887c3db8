from ast import literal_eval

from odoo.tests import Form, tagged

from .common_contact import ContactCase, at


@tagged("post_install", "-at_install")
class TestFollowupSla(ContactCase):
    def _log_call(self, lead, when, user=None):
        with self.moment(when):
            wizard = Form(
                self.env["crm.contact.log"]
                .with_user(user or self.sales)
                .with_context(default_lead_id=lead.id)
            )
            wizard.channel = "call"
            wizard.outcome = "reached"
            wizard.save().action_log()

    # -- case 1 ---------------------------------------------------------------

    def test_unanswered_lead_breaches_and_alerts_the_team_leader(self):
        with self.moment(at(0, 10)):
            lead = self._lead()
        self.assertEqual(lead.sla_kind, "first_response")
        self.assertEqual(lead.sla_deadline, at(0, 11))
        self.assertEqual(lead.sla_state, "on_track")

        with self.moment(at(0, 11, 1)):
            self.run_followup_action()

        self.assertEqual(lead.sla_state, "breached")
        activities, notifications = self._alerts_of(self.leader, lead)
        self.assertEqual(len(activities), 1, "the team leader gets one activity")
        self.assertEqual(len(notifications), 1, "and one notification")
        self.assertIn(self.sales.name, activities.summary)
        owner_activities, owner_notes = self._alerts_of(self.sales, lead)
        self.assertEqual((len(owner_activities), len(owner_notes)), (1, 1))
        self.assertEqual(
            set(lead.followup_alert_ids.mapped("rung")), {"owner", "leader"}
        )
        self.assertEqual(lead.followup_alert_ids.mapped("deadline"), [at(0, 11)] * 2)

    def test_call_within_the_hour_prevents_escalation(self):
        with self.moment(at(0, 10)):
            lead = self._lead()
        self._log_call(lead, at(0, 10, 30))

        self.assertEqual(lead.first_contact_date, at(0, 10, 30))
        self.assertEqual(lead.first_response_minutes, 30.0)
        self.assertEqual(lead.contact_count, 1)
        with self.moment(at(0, 11, 1)):
            self.run_followup_action()

        self.assertEqual(lead.sla_state, "met")
        self.assertFalse(lead.sla_deadline)
        self.assertFalse(lead.followup_alert_ids)
        activities, notifications = self._alerts_of(self.leader, lead)
        self.assertFalse(activities)
        self.assertFalse(notifications)

    def test_friday_evening_lead_is_due_monday_morning(self):
        with self.moment(at(4, 17, 50)):
            lead = self._lead()
        self.assertEqual(lead.sla_deadline, at(7, 9, 50))
        with self.moment(at(7, 9, 0)):
            self.run_followup_action()
        self.assertEqual(lead.sla_state, "on_track", "the weekend does not count")

    def test_public_holiday_is_not_business_time(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Human Rights Day",
                "calendar_id": self.calendar.id,
                "date_from": at(7, 0),
                "date_to": at(7, 23, 59),
            }
        )
        with self.moment(at(4, 17, 50)):
            lead = self._lead()
        self.assertEqual(lead.sla_deadline, at(8, 9, 50))

    # -- case 2 ---------------------------------------------------------------

    def _proposal_policy(self):
        return self.env["crm.followup.policy"].create(
            {
                "name": "Proposals: every three days",
                "team_id": self.team.id,
                "stage_id": self.stage_proposal.id,
                "calendar_id": self.calendar.id,
                "first_response_hours": 1.0,
                "followup_interval": 3.0,
                "followup_unit": "days",
                "due_soon_hours": 0.0,
            }
        )

    def test_daily_calls_keep_a_proposal_fresh(self):
        self._proposal_policy()
        with self.moment(at(0, 9, 30)):
            lead = self._lead(stage_id=self.stage_proposal.id)
        for day in range(5):
            self._log_call(lead, at(day, 10))
            with self.moment(at(day, 17)):
                self.run_followup_action()
            self.assertEqual(lead.sla_state, "on_track")
        self.assertEqual(lead.sla_kind, "followup")
        self.assertEqual(lead.contact_count, 5)
        self.assertEqual(lead.sla_deadline, at(9, 10), "three business days later")
        self.assertFalse(lead.followup_alert_ids)

    def test_proposal_left_alone_is_flagged_once_after_three_business_days(self):
        self._proposal_policy()
        with self.moment(at(-3, 10)):  # the Friday before: first answered
            lead = self._lead()
        self._log_call(lead, at(-3, 10, 20))
        with self.moment(at(0, 10)):
            lead.stage_id = self.stage_proposal
        self.assertEqual(lead.followup_policy_id.stage_id, self.stage_proposal)
        self.assertEqual(lead.sla_deadline, at(3, 10))

        with self.moment(at(2, 17, 59)):
            self.run_followup_action()
        self.assertEqual(lead.sla_state, "on_track")
        self.assertFalse(self._alerts_of(self.leader, lead)[0])

        with self.moment(at(3, 10, 1)):
            self.run_followup_action()
        self.assertEqual(lead.sla_state, "breached")
        with self.moment(at(4, 15)):
            self.run_followup_action()
        activities, notifications = self._alerts_of(self.leader, lead)
        self.assertEqual((len(activities), len(notifications)), (1, 1))

    # -- case 3 ---------------------------------------------------------------

    def test_due_today_is_the_users_own_day(self):
        always = self._calendar("Always", range(7), 0, 24)
        self.policy.calendar_id = always
        deadlines = {
            "vancouver_only": at(1, 17),  # Tue 09:00 Vancouver, Tue 22:30 Kolkata
            "both": at(2, 5),  # Tue 21:00 Vancouver, Wed 10:30 Kolkata
            "kolkata_only": at(2, 10),  # Wed 02:00 Vancouver, Wed 15:30 Kolkata
        }
        leads = {}
        for key, deadline in deadlines.items():
            with self.moment(deadline.replace(hour=deadline.hour - 1)):
                leads[key] = self._lead(name=key)
            self.assertEqual(leads[key].sla_deadline, deadline)
        vancouver = self._user_in("cl_vancouver", "America/Vancouver")
        kolkata = self._user_in("cl_kolkata", "Asia/Kolkata")
        ids = [lead.id for lead in leads.values()]

        # 23:30 UTC on Tuesday: still Tuesday in Vancouver, already Wednesday
        # in Kolkata.
        with self.moment(at(1, 23, 30)):
            seen = {
                user.login: set(
                    self.env["crm.lead"]
                    .with_user(user)
                    .search([("id", "in", ids), ("sla_due_today", "=", True)])
                    .mapped("name")
                )
                for user in (vancouver, kolkata)
            }
            flags = leads["both"].with_user(kolkata).sla_due_today
        self.assertEqual(seen["cl_vancouver"], {"vancouver_only", "both"})
        self.assertEqual(seen["cl_kolkata"], {"both", "kolkata_only"})
        self.assertTrue(flags)

    def _user_in(self, login, tz):
        from odoo.tests import new_test_user  # noqa: PLC0415

        return new_test_user(
            self.env,
            login=login,
            groups="sales_team.group_sale_salesman_all_leads",
            tz=tz,
        )

    # -- case 4 ---------------------------------------------------------------

    def test_running_the_action_twice_sends_nothing_twice(self):
        with self.moment(at(0, 10)):
            lead = self._lead()
        with self.moment(at(0, 11, 1)):
            self.run_followup_action()
        first = [len(r) for r in self._alerts_of(self.leader, lead)]
        first += [len(r) for r in self._alerts_of(self.sales, lead)]
        alerts = lead.followup_alert_ids
        with self.moment(at(0, 11, 2)):
            self.run_followup_action()
        with self.moment(at(0, 16)):
            self.run_followup_action()
        again = [len(r) for r in self._alerts_of(self.leader, lead)]
        again += [len(r) for r in self._alerts_of(self.sales, lead)]
        self.assertEqual(first, [1, 1, 1, 1])
        self.assertEqual(again, first)
        self.assertEqual(lead.followup_alert_ids, alerts)
        self.assertFalse(lead.sla_next_check, "nothing left to do for this deadline")

    # -- ladder ---------------------------------------------------------------

    def test_due_soon_reminds_the_owner_before_the_leader(self):
        self.policy.write({"due_soon_hours": 0.25, "leader_delay_hours": 1.0})
        with self.moment(at(0, 10)):
            lead = self._lead()
        with self.moment(at(0, 10, 50)):
            self.run_followup_action()
        self.assertEqual(lead.sla_state, "due_soon")
        self.assertEqual(len(self._alerts_of(self.sales, lead)[0]), 1)
        self.assertFalse(self._alerts_of(self.leader, lead)[0])
        with self.moment(at(0, 11, 30)):
            self.run_followup_action()
        self.assertEqual(lead.sla_state, "breached")
        self.assertFalse(self._alerts_of(self.leader, lead)[0], "leader waits an hour")
        with self.moment(at(0, 12, 1)):
            self.run_followup_action()
        self.assertEqual(len(self._alerts_of(self.leader, lead)[0]), 1)

    def test_reassign_rung_without_assignment_rules_is_logged_and_skipped(self):
        self.policy.write({"reassign": True, "reassign_delay_hours": 2.0})
        with self.moment(at(0, 10)):
            lead = self._lead()
        with self.moment(at(0, 12, 59)):
            self.run_followup_action()
        self.assertNotIn("reassign", lead.followup_alert_ids.mapped("rung"))
        with self.moment(at(0, 13, 1)):
            self.run_followup_action()
        reassign = lead.followup_alert_ids.filtered(lambda a: a.rung == "reassign")
        self.assertEqual(
            len(reassign), 1, "the rung is passed once, with or without rules"
        )
        if not hasattr(lead, "_closed_loop_assign"):
            self.assertEqual(lead.user_id, self.sales)
            self.assertEqual(reassign.note, "no assignment rules")

    def test_my_follow_ups_lists_the_most_urgent_first(self):
        with self.moment(at(0, 10)):
            later = self._lead(name="later")
        with self.moment(at(0, 9)):
            sooner = self._lead(name="sooner")
        action = self.env.ref("crm_closed_loop.crm_lead_followup_action")
        view = self.env.ref("crm_closed_loop.crm_lead_view_list_followup")
        self.assertIn('default_order="sla_deadline asc"', view.arch)
        found = (
            self.env["crm.lead"]
            .with_user(self.sales)
            .search(
                [*literal_eval(action.domain), ("user_id", "=", self.sales.id)],
                order="sla_deadline asc",
            )
        )
        self.assertEqual(found[:2], sooner | later)

    def test_team_dashboard_counts_breached_leads(self):
        with self.moment(at(0, 10)):
            self._lead()
            self._lead()
        with self.moment(at(0, 11, 1)):
            self.run_followup_action()
        self.assertEqual(self.team.sla_breached_count, 2)
        with self.moment(at(0, 11, 1)):
            overdue = (
                self.env["crm.lead"]
                .with_user(self.sales)
                .search([("user_id", "=", self.sales.id), ("sla_overdue", "=", True)])
            )
        self.assertEqual(len(overdue), 2)
