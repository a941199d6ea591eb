// The selected group as a drop-down, kept in step with clicks on the charts, with a clear
// button: selection by keyboard, and a visible answer to "which group is selected?".
import type { WidgetContext } from "../context";
import { type Component, h, setVisible } from "../dom";
import { listen, readChartGroups, readSelected, readStrings } from "../model";

const NONE = "";

export function createGroupPicker(ctx: WidgetContext): Component {
  const { model } = ctx;
  const select = h("select", {
    class: "mw-select",
    "data-testid": "selected-group",
    onchange: () => choose(select.value === NONE ? null : select.value),
  });
  const label = h("label", { class: "mw-picker-label" }, "Selected group: ", select);
  const clear = h(
    "button",
    {
      type: "button",
      class: "mw-button mw-button-quiet",
      "data-testid": "clear-selection",
      "aria-label": "Clear the selected group",
      onclick: () => {
        choose(null);
        select.focus();
      },
    },
    "Clear",
  );
  const el = h("div", { class: "mw-picker", role: "group" }, label, clear);

  function choose(level: string | null): void {
    if (level === readSelected(model)) return;
    model.set("selected", level);
    model.save_changes();
  }

  function render(): void {
    const levels = readStrings(model, "group_levels");
    const { group } = readChartGroups(model);
    const selected = readSelected(model);
    const options = [NONE, ...levels];
    if (selected !== null && !levels.includes(selected)) options.push(selected);
    const current = [...select.options].map((o) => o.value);
    if (current.length !== options.length || current.some((v, i) => v !== options[i])) {
      select.replaceChildren(
        ...options.map((v) => h("option", { value: v }, v === NONE ? "— none —" : v)),
      );
    }
    select.value = selected ?? NONE;
    select.setAttribute("aria-label", `Selected ${group || "group"}, highlighted in every chart`);
    clear.disabled = selected === null;
    setVisible(el, levels.length > 0);
  }

  const off = listen(
    model,
    ["change:group_levels", "change:selected", "change:chart_group"],
    render,
  );
  render();
  return { el, destroy: off };
}
