from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import TransactionCase, freeze_time, new_test_user

# Monday 2 March 2026; the office works 09:00-18:00 UTC, Monday to Friday.
MONDAY = datetime(2026, 3, 2)


def at(day_offset, hour, minute=0):
    """A moment of the test week, ``day_offset`` days after Monday."""
    return MONDAY + timedelta(days=day_offset, hours=hour, minutes=minute)


def make_calendar(env, name, weekdays, hour_from, hour_to, tz="UTC"):
    """A working schedule open from hour_from to hour_to on the given weekdays."""
    return env["resource.calendar"].create(
        {
            "name": name,
            "tz": tz,
            "attendance_ids": [
                Command.create(
                    {
                        "name": f"Day {day}",
                        "dayofweek": str(day),
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                        "day_period": "full_day",
                    }
                )
                for day in weekdays
            ],
        }
    )


class ContactCase(TransactionCase):
    """Users, a team with its leader, an office calendar and a one-hour policy.

    sales (salesperson, owns the leads) -- team "Weddings" -- leader (team leader)
    policy: first response within 1 business hour, no recurring follow-up
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._calendar("Office 09-18", range(5), 9, 18)
        cls.sales = new_test_user(
            cls.env,
            login="cl_sales",
            groups="sales_team.group_sale_salesman",
            tz="UTC",
            notification_type="inbox",
        )
        cls.leader = new_test_user(
            cls.env,
            login="cl_leader",
            groups="sales_team.group_sale_salesman_all_leads",
            tz="UTC",
            notification_type="inbox",
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Weddings", "user_id": cls.leader.id}
        )
        cls.stage_new = cls.env["crm.stage"].create({"name": "New", "sequence": 1})
        cls.stage_proposal = cls.env["crm.stage"].create(
            {"name": "Proposal", "sequence": 3}
        )
        cls.policy = cls.env["crm.followup.policy"].create(
            {
                "name": "Answer within the hour",
                "team_id": cls.team.id,
                "calendar_id": cls.calendar.id,
                "first_response_hours": 1.0,
                "due_soon_hours": 0.0,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Thandi Mokoena", "email": "thandi@example.com"}
        )

    @classmethod
    def _calendar(cls, name, weekdays, hour_from, hour_to, tz="UTC"):
        return make_calendar(cls.env, name, weekdays, hour_from, hour_to, tz)

    @contextmanager
    def moment(self, when):
        """Freeze the clock, including the transaction time that crm stamps
        assignment and stage dates with (as Odoo's own mail tests do)."""
        with freeze_time(when), patch.object(self.env.cr, "now", lambda: when):
            yield
            # end the "request" at this moment: pending computations and the
            # tracking messages would otherwise run after the clock moves
            self.env.cr.flush()

    def _lead(self, **values):
        return self.env["crm.lead"].create(
            {
                "name": "Wedding for 120 guests",
                "type": "opportunity",
                "partner_id": self.customer.id,
                "user_id": self.sales.id,
                "team_id": self.team.id,
                "stage_id": self.stage_new.id,
            }
            | values
        )

    def run_followup_action(self):
        """Run the scheduled action the way the scheduler does, in its own
        transaction (a test cursor, so the test still rolls everything back)."""
        cron = self.env.ref("crm_closed_loop.ir_cron_crm_followup_alerts")
        self.env.flush_all()
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            cron.with_env(cron.env(cr=cr)).method_direct_trigger()
        self.env.invalidate_all()

    def _alerts_of(self, user, lead):
        activities = lead.activity_ids.filtered(lambda a: a.user_id == user)
        notifications = self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "=", lead.id),
                ("message_type", "=", "user_notification"),
                ("partner_ids", "in", user.partner_id.ids),
                ("body", "ilike", "follow-up of"),
            ]
        )
        return activities, notifications
