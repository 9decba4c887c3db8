from odoo import models


class CrmLead(models.Model):
    """Activities the addon plans on leads by itself (first contact on
    assignment, follow-up alerts), shared by those two features."""

    _inherit = "crm.lead"

    def _create_automated_activities(self, activity_type, vals_list):
        """Activities of ``activity_type`` on leads, as ``activity_schedule``
        makes them, but for many leads and users in one create: each of
        ``vals_list`` gives ``res_id``, ``user_id``, ``date_deadline`` and may
        give ``summary`` and ``note``. The activity's own "assigned to you"
        notice is left out: the callers notify the assignee themselves."""
        if self.env.context.get("mail_activity_automation_skip"):
            return self.env["mail.activity"]
        model_id = self.env["ir.model"]._get_id(self._name)
        # The activity's document name, given here from the leads at hand:
        # mail computes it after the insert, with one more UPDATE each time.
        # sudo: crm.lead - mail computes this name as superuser too
        leads = self.sudo().browse({vals["res_id"] for vals in vals_list})
        names = dict(zip(leads.ids, leads.mapped("display_name"), strict=True))
        return (
            self.env["mail.activity"]
            .with_context(mail_activity_quick_update=True)
            .create(
                [
                    {
                        "activity_type_id": activity_type.id,
                        "summary": activity_type.summary,
                        "note": activity_type.default_note,
                        "automated": True,
                        "res_model_id": model_id,
                        "res_name": names[vals["res_id"]],
                        **vals,
                    }
                    for vals in vals_list
                ]
            )
        )
