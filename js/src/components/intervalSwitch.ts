// In the prediction chart's card: prediction intervals (a new observation of each population) or
// confidence intervals (each population's mean), the `prediction_interval` trait. A binomial or Poisson
// model's outcome is a whole number, with no normal prediction interval (the chart, like `fit.predict`,
// shows the mean's): the switch then offers only the mean's and says why.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen } from "../model";

const CHOICES: [string, string, string][] = [
  ["prediction", "Prediction", "Where a new observation of each population falls"],
  ["confidence", "Confidence (mean)", "Where each population's mean lies"],
];

const OUTCOMES: Record<string, string> = {
  binomial: "A binomial model's outcome is 0 or 1",
  poisson: "A Poisson model's outcome is a whole count",
};

/** Why the current fit has no prediction interval ("" when it has one): its family's outcome. */
export function noPredictionInterval(family: string | undefined): string {
  const outcome = family === undefined ? undefined : OUTCOMES[family];
  return outcome === undefined
    ? ""
    : `${outcome}: it has no normal prediction interval, so the chart shows the interval of the mean (as fit.predict)`;
}

export function createIntervalSwitch(ctx: WidgetContext): Component {
  const { model } = ctx;
  const name = `mw-interval-${Math.random().toString(36).slice(2, 9)}`;
  const inputs = CHOICES.map(([value]) =>
    h("input", { type: "radio", name, value, "data-testid": `interval-${value}` }),
  ) as HTMLInputElement[];
  const labels = CHOICES.map(([, label, title], i) =>
    h("label", { class: "mw-check", title }, inputs[i] ?? null, label),
  );
  const legend = h("legend", null, "Intervals");
  const el = h(
    "fieldset",
    { class: "mw-interval-switch", "data-testid": "interval-switch" },
    legend,
    labels,
  );
  for (const input of inputs) {
    input.addEventListener("change", () => {
      if (!input.checked || input.value === model.get("prediction_interval")) return;
      model.set("prediction_interval", input.value);
      model.save_changes();
    });
  }

  function render(): void {
    const why = noPredictionInterval(model.get("current")?.family);
    const now = why ? "confidence" : model.get("prediction_interval") || "prediction";
    inputs.forEach((input, i) => {
      input.checked = input.value === now;
      input.disabled = why !== "" && input.value === "prediction";
      const label = labels[i];
      if (label) label.title = input.disabled ? why : (CHOICES[i]?.[2] ?? "");
    });
    legend.textContent = why ? "Intervals (of the mean)" : "Intervals";
    el.title = why;
  }

  const off = listen(model, ["change:prediction_interval", "change:current"], render);
  render();
  return { el, destroy: off };
}
