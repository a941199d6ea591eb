// "Check by simulation": pick the truth, the candidates, the term and nsim; run in the
// background with a progress bar and a cancel button. The chart appears with the other charts.
import type { WidgetContext } from "../context";
import { type Component, h, setVisible } from "../dom";
import {
  listen,
  readSimulationOptions,
  readSimulationStatus,
  type SimulationOptions,
} from "../model";

export function createSimulation(ctx: WidgetContext): Component {
  const { model } = ctx;
  const truth = h("select", {
    class: "mw-select",
    "data-testid": "sim-truth",
    "aria-label": "Model taken as the truth",
  });
  const term = h("select", {
    class: "mw-select",
    "data-testid": "sim-term",
    "aria-label": "Term to test",
  });
  const nullBox = h("input", { type: "checkbox", checked: true, "data-testid": "sim-null" });
  const nsim = h("input", {
    type: "number",
    class: "mw-input mw-sim-nsim",
    "data-testid": "sim-nsim",
    "aria-label": "Number of simulations",
    step: 10,
  });
  const candidates = h("div", {
    class: "mw-sim-candidates",
    role: "group",
    "aria-label": "Candidate models",
  });
  const run = h(
    "button",
    { type: "button", class: "mw-button mw-button-primary", "data-testid": "sim-run" },
    "Run",
  );
  const cancel = h(
    "button",
    { type: "button", class: "mw-button", "data-testid": "sim-cancel" },
    "Cancel",
  );
  const bar = h("progress", {
    class: "mw-sim-progress",
    "data-testid": "sim-progress",
    max: 1,
    value: 0,
  });
  const text = h("span", {
    class: "mw-sim-text",
    "data-testid": "sim-status",
    role: "status",
    "aria-live": "polite",
  });
  const title = h("div", { class: "mw-sim-title", "data-testid": "sim-title" });
  const test = h("span", { class: "mw-sim-test", "data-testid": "sim-test" });
  let lastOptions = "";
  let nsimDefault = "";

  run.addEventListener("click", () => {
    const chosen = Array.from(candidates.querySelectorAll<HTMLInputElement>("input[type=checkbox]"))
      .filter((c) => c.checked)
      .map((c) => c.value);
    const n = Math.round(Number(nsim.value));
    model.send({
      kind: "simulate",
      truth: truth.value,
      candidates: chosen,
      term: term.value,
      null: nullBox.checked,
      nsim: Number.isFinite(n) ? n : 200,
    });
  });
  cancel.addEventListener("click", () => model.send({ kind: "cancel_simulation" }));

  function renderOptions(): void {
    const o: SimulationOptions = readSimulationOptions(model);
    const key = JSON.stringify(o);
    if (key === lastOptions) return;
    lastOptions = key;
    const keepTruth = truth.value;
    truth.replaceChildren(
      ...o.truths.map((t) => h("option", { value: t.id, title: t.formula }, t.label)),
    );
    if (o.truths.some((t) => t.id === keepTruth)) truth.value = keepTruth;
    const keepTerm = term.value;
    term.replaceChildren(...o.terms.map((t) => h("option", { value: t }, t)));
    term.value = o.terms.includes(keepTerm) && keepTerm !== "" ? keepTerm : o.term;
    candidates.replaceChildren(
      ...o.candidates.map((c) =>
        h(
          "label",
          { class: "mw-sim-candidate", title: c.formula },
          h("input", {
            type: "checkbox",
            value: c.id,
            checked: c.checked,
            "data-testid": "sim-candidate",
          }),
          ` ${c.label}`,
        ),
      ),
    );
    nsim.min = String(o.nsim_min);
    nsim.max = String(o.nsim_max);
    // the default follows the model (fewer for binomial and Poisson fits) until the user types a number
    if (nsim.value === "" || nsim.value === nsimDefault) nsim.value = String(o.nsim);
    nsimDefault = String(o.nsim);
    test.textContent = o.test ? `by ${o.test}` : "";
    setVisible(el, o.truths.length > 0);
  }

  function renderStatus(): void {
    const s = readSimulationStatus(model);
    const running = s.state === "running";
    el.dataset.state = s.state;
    setVisible(bar, running || s.total > 0);
    bar.max = Math.max(s.total, 1);
    bar.value = s.done;
    bar.setAttribute("aria-valuetext", `${s.done} of ${s.total} simulations`);
    setVisible(cancel, running);
    run.disabled = running;
    text.textContent = s.message;
    title.textContent = running ? "" : s.title;
  }

  const el = h(
    "details",
    { class: "mw-sim", "data-testid": "simulation" },
    h("summary", { class: "mw-sim-summary" }, "Check by simulation"),
    h(
      "p",
      { class: "mw-sim-help" },
      "Simulate many data sets from the model taken as the truth, fit every candidate to each, and count how often each one's test rejects and its interval covers the truth.",
    ),
    h(
      "div",
      { class: "mw-sim-row" },
      h("label", null, "Truth ", truth),
      h("label", null, "Term ", term, " ", test),
      h("label", null, nullBox, " set it to 0 in the truth"),
      h("label", null, "Simulations ", nsim),
    ),
    candidates,
    h("div", { class: "mw-sim-row" }, run, cancel, bar, text),
    title,
  );

  const offOptions = listen(model, ["change:simulation_options"], renderOptions);
  const offStatus = listen(model, ["change:simulation_status"], renderStatus);
  renderOptions();
  renderStatus();
  return {
    el,
    destroy() {
      offOptions();
      offStatus();
    },
  };
}
