import { registry } from "@web/core/registry";

/**
 * Two steps that leave a screenshot of the current screen: the first asks the
 * test (through a console line it listens for) to capture the page, the second
 * waits until the test says the picture is saved, so the tour never runs ahead
 * of its screenshot.
 */
function screenshot(name) {
    return [
        {
            content: `Screenshot: ${name}`,
            trigger: "body",
            run() {
                console.log(`crm_closed_loop:screenshot:${name}`);
            },
        },
        {
            content: `Screenshot saved: ${name}`,
            trigger: `body[data-crm-closed-loop-screenshot='${name}']`,
        },
    ];
}

const tours = registry.category("web_tour.tours");

tours.add("crm_closed_loop_intake_assigned", {
    steps: () => [
        {
            content: "The web enquiry is in my pipeline, assigned to me",
            trigger: ".o_kanban_record:contains('Thandi Nkosi')",
        },
        ...screenshot("01_pipeline"),
        {
            content: "Open it",
            trigger: ".o_kanban_record:contains('Thandi Nkosi')",
            run: "click",
        },
        {
            content: "Its salesperson is me",
            trigger: ".o_field_widget[name=user_id] input:value('Sipho Salesperson')",
        },
        ...screenshot("02_lead"),
    ],
});

tours.add("crm_closed_loop_log_contact", {
    steps: () => [
        {
            content: "A new lead shows its follow-up badge on the card",
            trigger:
                ".o_kanban_record:contains('Garden wedding') .o_field_widget[name=sla_state]:contains('On track')",
        },
        ...screenshot("01_due"),
        {
            content: "Click 1: log a contact from the card",
            trigger:
                ".o_kanban_record:contains('Garden wedding') a[name=action_log_contact]",
            run: "click",
        },
        {
            content: "The contact form opens on a call",
            trigger: ".modal .o_field_widget[name=channel]",
        },
        ...screenshot("02_log_contact"),
        {
            content: "Click 2: log it",
            trigger: ".modal button[name=action_log]",
            run: "click",
        },
        {
            content: "The badge turns to met",
            trigger:
                ".o_kanban_record:contains('Garden wedding') .o_field_widget[name=sla_state]:contains('Met')",
        },
        ...screenshot("03_met"),
    ],
});

tours.add("crm_closed_loop_weighted_move", {
    steps: () => [
        {
            content: "The Proposition column weighs its opportunity (5,000 at 60 %)",
            trigger:
                ".o_kanban_group:contains('Proposition') .o_crm_closed_loop_weighted_total:contains('3')",
        },
        ...screenshot("01_before"),
        {
            content: "Move the hotel wedding to Proposition",
            trigger: ".o_kanban_record:contains('Hotel wedding move')",
            run: "drag_and_drop (.o_opportunity_kanban .o_kanban_group:has(.o_column_title:contains('Proposition')))",
        },
        {
            content: "The card now sits in Proposition",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains('Proposition')) .o_kanban_record:contains('Hotel wedding move')",
        },
        {
            content: "and the column's weighted total grew to 9,000",
            trigger:
                ".o_kanban_group:contains('Proposition') .o_crm_closed_loop_weighted_total:contains('9')",
        },
        ...screenshot("02_after"),
    ],
});

tours.add("crm_closed_loop_print_scorecard", {
    steps: () => [
        {
            content: "The scorecard dialog asks for the period",
            trigger: ".modal .o_field_widget[name=date_from]",
        },
        ...screenshot("01_wizard"),
        {
            content: "View the scorecard",
            trigger: ".modal button[name=action_view_html]",
            run: "click",
        },
        {
            content: "The scorecard opens",
            trigger: ":iframe body:contains('Marketing and Sales Scorecard')",
        },
        ...screenshot("02_scorecard"),
    ],
});
