from odoo import api, fields
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestScorecardRecipientsAfterRetry(TransactionCase):
    """A cron batch whose rows a rival committed to since its snapshot picks
    them again in a new transaction: what the rival did must count there.

    The rival and the cron each have their own cursor and transaction, as two
    workers would; the data is committed, so it is removed again afterwards.
    """

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            manager = new_test_user(
                env,
                "cl_lr_manager",
                groups="sales_team.group_sale_manager",
                email="cl_lr_manager@example.com",
            )
            self.manager_id = manager.id
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            user = env["res.users"].browse(self.manager_id)
            partner = user.partner_id
            user.unlink()
            partner.unlink()

    def test_manager_served_by_a_rival_is_not_picked_again(self):
        with self.registry.cursor() as cron_cr:
            cron_env = api.Environment(cron_cr, api.SUPERUSER_ID, {})
            kpi = cron_env["crm.closed.loop.kpi"]
            week_start = kpi._week_start(fields.Date.context_today(kpi))
            # The cron's snapshot starts before the rival's commit.
            cron_cr.execute("SELECT 1")
            with self.registry.cursor() as rival_cr:
                rival_env = api.Environment(rival_cr, api.SUPERUSER_ID, {})
                rival_env["res.users"].browse(self.manager_id).write(
                    {"scorecard_last_sent": week_start}
                )
            recipients = kpi._scorecard_recipients(week_start, 1000)
            cron_cr.rollback()
        self.assertNotIn(
            self.manager_id,
            recipients.ids,
            "a manager the rival already served this week gets no second scorecard",
        )
