import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_closed_loop_weighted_pipeline", {
    steps: () => [
        {
            content: "The Proposition column totals the expected revenue",
            trigger: ".o_kanban_group:contains('Proposition') .o_animated_number:contains('10')",
        },
        {
            content: "and, next to it, the weighted revenue",
            trigger:
                ".o_kanban_group:contains('Proposition') .o_crm_closed_loop_weighted_total[title='Weighted Revenue']:contains('6')",
        },
        {
            content: "The card shows the lead's weighted revenue",
            trigger: ".o_kanban_record:contains('Hotel wedding') .o_crm_closed_loop_weighted:contains('60')",
        },
    ],
});
