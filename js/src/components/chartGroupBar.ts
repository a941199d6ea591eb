// "Groups in the charts": which grouping factor the per-group charts show (shown only when the
// model has more than one).
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen, readChartGroups } from "../model";

export interface ChartGroupBar extends Component {
  /** Show the current choices; false when there is nothing to choose (the bar is then hidden). */
  render(): boolean;
}

export function createChartGroupBar(ctx: WidgetContext, onChange: () => void): ChartGroupBar {
  const { model } = ctx;
  const groupSelect = h("select", {
    class: "mw-select",
    "data-testid": "chart-group",
    "aria-label": "Grouping factor for the per-group charts",
    onchange: () => {
      if (groupSelect.value !== readChartGroups(model).group) {
        model.set("chart_group", groupSelect.value);
        model.save_changes();
      }
    },
  });
  const el = h(
    "div",
    { class: "mw-charts-bar" },
    h("label", { class: "mw-charts-group" }, "Groups in the charts: ", groupSelect),
  );

  function render(): boolean {
    const { group, groups } = readChartGroups(model);
    if (groups.length <= 1) return false;
    groupSelect.replaceChildren(...groups.map((g) => h("option", { value: g }, g)));
    groupSelect.value = groups.includes(group) ? group : (groups[0] ?? "");
    return true;
  }

  const off = listen(model, ["change:chart_group", "change:chart_groups"], onChange);
  return { el, render, destroy: off };
}
