// Which charts to show, in what order, and which to fold: remembered with the widget
// (`chart_names`, `charts_collapsed`), the same lists `w.charts = [...]` sets from Python.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen, readStrings } from "../model";
import { chartTitle } from "./charts";

function choices(shown: string[], all: string[]): string[] {
  return [...shown, ...all.filter((n) => !shown.includes(n))];
}

export function createChartPicker(ctx: WidgetContext, charts: HTMLElement): Component {
  const { model } = ctx;
  const list = h("ol", { class: "mw-picker-list" });
  const el = h(
    "details",
    { class: "mw-chart-picker", "data-testid": "chart-picker" },
    h(
      "summary",
      { class: "mw-button", "aria-label": "Choose, order and fold the charts" },
      "Charts…",
    ),
    list,
  );

  const shown = (): string[] => {
    const names = model.get("chart_names");
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [];
  };
  const all = (): string[] => {
    const names = model.get("chart_choices");
    const known = Array.isArray(names)
      ? names.filter((n): n is string => typeof n === "string")
      : [];
    return choices(shown(), known);
  };

  function save(names: string[], collapsed?: string[]): void {
    model.set("chart_names", names);
    if (collapsed) model.set("charts_collapsed", collapsed);
    model.save_changes();
  }

  function move(name: string, by: number): void {
    const names = shown();
    const i = names.indexOf(name);
    const j = i + by;
    if (i < 0 || j < 0 || j >= names.length) return;
    [names[i], names[j]] = [names[j] as string, names[i] as string];
    save(names);
    render();
    list
      .querySelector<HTMLButtonElement>(`[data-chart-choice="${name}"] [data-move="${by}"]`)
      ?.focus();
  }

  function render(): void {
    const on = shown();
    const folded = readStrings(model, "charts_collapsed");
    list.replaceChildren(
      ...all().map((name) => {
        const title = chartTitle(name);
        const show = h("input", {
          type: "checkbox",
          checked: on.includes(name),
          "data-testid": "chart-show",
          onchange: () => {
            const names = shown().filter((n) => n !== name);
            if (show.checked) names.push(name);
            save(names);
          },
        });
        const fold = h("input", {
          type: "checkbox",
          checked: folded.includes(name),
          disabled: !on.includes(name),
          "data-testid": "chart-fold",
          onchange: () => {
            const rest = readStrings(model, "charts_collapsed").filter((n) => n !== name);
            save(shown(), fold.checked ? [...rest, name] : rest);
          },
        });
        return h(
          "li",
          { "data-chart-choice": name },
          h("label", { class: "mw-check" }, show, title),
          h(
            "button",
            {
              type: "button",
              class: "mw-button mw-button-quiet mw-small",
              "data-move": -1,
              "aria-label": `Move ${title} up`,
              disabled: on.indexOf(name) <= 0,
              onclick: () => move(name, -1),
            },
            "↑",
          ),
          h(
            "button",
            {
              type: "button",
              class: "mw-button mw-button-quiet mw-small",
              "data-move": 1,
              "aria-label": `Move ${title} down`,
              disabled: !on.includes(name) || on.indexOf(name) === on.length - 1,
              onclick: () => move(name, 1),
            },
            "↓",
          ),
          h("label", { class: "mw-check mw-fold" }, fold, "fold"),
        );
      }),
    );
    applyFolds();
  }

  /** Folded charts show their heading only. */
  function applyFolds(): void {
    const folded = new Set(readStrings(model, "charts_collapsed"));
    for (const card of charts.querySelectorAll<HTMLElement>("[data-chart]")) {
      const name = card.dataset.chart ?? "";
      card.classList.toggle("mw-folded", folded.has(name));
      card.setAttribute("aria-expanded", String(!folded.has(name)));
    }
  }

  const observer =
    typeof MutationObserver === "function" ? new MutationObserver(() => applyFolds()) : null;
  observer?.observe(charts, { childList: true });
  const off = listen(
    model,
    ["change:chart_names", "change:chart_choices", "change:charts_collapsed"],
    render,
  );
  render();
  return {
    el,
    destroy() {
      off();
      observer?.disconnect();
    },
  };
}
