import { patch } from "@web/core/utils/patch";
import { CrmKanbanArchParser } from "@crm/views/crm_kanban/crm_kanban_arch_parser";
import { crmKanbanView } from "@crm/views/crm_kanban/crm_kanban_view";
import { CrmColumnProgress } from "@crm/views/crm_kanban/crm_column_progress";

// A second column total, next to the expected revenue the host already sums:
// <progressbar weighted_revenue_sum_field="weighted_revenue" .../>
patch(CrmKanbanArchParser.prototype, {
    parseProgressBar(progressBar, fields) {
        const result = super.parseProgressBar(...arguments);
        const name = progressBar.getAttribute("weighted_revenue_sum_field");
        result.weighted_revenue_sum_field = (name && fields[name]) || false;
        return result;
    },
});

patch(crmKanbanView.Controller.prototype, {
    get progressBarAggregateFields() {
        const res = super.progressBarAggregateFields;
        const field = this.props.archInfo.progressAttributes?.weighted_revenue_sum_field;
        if (field) {
            res.push(field);
        }
        return res;
    },
});

patch(CrmColumnProgress.prototype, {
    getWeightedRevenueGroupAggregate(group) {
        const { progressAttributes } = this.props.progressBarState;
        const field = progressAttributes.weighted_revenue_sum_field;
        if (!field) {
            return {};
        }
        return this.props.progressBarState.getAggregateValue(group, field);
    },
});
