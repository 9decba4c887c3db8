from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_addon_and_its_host_modules_are_installed(self):
        modules = self.env["ir.module.module"].search(
            [("name", "in", ["crm_closed_loop", "crm", "account", "point_of_sale"])]
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        self.assertEqual(len(modules), 4)
