from odoo.tests import TransactionCase, new_test_user


class StageProbabilityCommon(TransactionCase):
    """A company on stage probabilities and a pipeline of its own.

    team "Weddings" (every stage below belongs to it)
    New 10 % -> Qualified 30 % -> Proposal 60 % -> Won 100 % (is_won)
    salesman: sales_team.group_sale_salesman, owns the test leads
    manager:  sales_team.group_sale_manager, edits stages
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.crm_probability_source = "stage"
        cls.salesman = new_test_user(
            cls.env,
            login="cl_stage_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
        )
        cls.manager = new_test_user(
            cls.env,
            login="cl_stage_manager",
            groups="sales_team.group_sale_manager",
            company_id=cls.company.id,
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Weddings", "company_id": cls.company.id}
        )
        # Host stages sort after ours so that default stages are the test ones.
        cls.env["crm.stage"].search([]).write({"sequence": 9999})
        cls.stage_new, cls.stage_qualified, cls.stage_proposal, cls.stage_won = cls.env[
            "crm.stage"
        ].create(
            [
                {
                    "name": name,
                    "sequence": sequence,
                    "probability": percent,
                    "is_won": name == "Won",
                    "team_ids": [cls.team.id],
                }
                for name, sequence, percent in [
                    ("New", 1, 10),
                    ("Qualified", 2, 30),
                    ("Proposal", 3, 60),
                    ("Won", 70, 100),
                ]
            ]
        )
        cls.lost_reason = cls.env["crm.lost.reason"].create({"name": "Too expensive"})

    def _opportunity(self, stage, expected_revenue=10_000.0, **values):
        return (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(
                {
                    "name": f"Wedding enquiry {stage.name}",
                    "type": "opportunity",
                    "team_id": self.team.id,
                    "user_id": self.salesman.id,
                    "stage_id": stage.id,
                    "expected_revenue": expected_revenue,
                    **values,
                }
            )
        )

    def _weighted_by_stage(self, domain):
        groups = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .formatted_read_group(
                domain, ["stage_id"], ["weighted_revenue:sum", "expected_revenue:sum"]
            )
        )
        return {group["stage_id"][0]: group["weighted_revenue:sum"] for group in groups}
