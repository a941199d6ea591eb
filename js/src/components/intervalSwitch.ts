// In the prediction chart's card: prediction intervals (a new observation of each population) or
// confidence intervals (each population's mean), the `prediction_interval` trait.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen } from "../model";

const CHOICES: [string, string, string][] = [
  ["prediction", "Prediction", "Where a new observation of each population falls"],
  ["confidence", "Confidence (mean)", "Where each population's mean lies"],
];

export function createIntervalSwitch(ctx: WidgetContext): Component {
  const { model } = ctx;
  const name = `mw-interval-${Math.random().toString(36).slice(2, 9)}`;
  const inputs = CHOICES.map(([value]) =>
    h("input", { type: "radio", name, value, "data-testid": `interval-${value}` }),
  );
  const el = h(
    "fieldset",
    { class: "mw-interval-switch", "data-testid": "interval-switch" },
    h("legend", null, "Intervals"),
    CHOICES.map(([, label, title], i) =>
      h("label", { class: "mw-check", title }, inputs[i] ?? null, label),
    ),
  );
  for (const input of inputs) {
    input.addEventListener("change", () => {
      if (!input.checked || input.value === model.get("prediction_interval")) return;
      model.set("prediction_interval", input.value);
      model.save_changes();
    });
  }

  function render(): void {
    const now = model.get("prediction_interval") || "prediction";
    for (const input of inputs) input.checked = input.value === now;
  }

  const off = listen(model, ["change:prediction_interval"], render);
  render();
  return { el, destroy: off };
}
