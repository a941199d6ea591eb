// The model's family (Gaussian / Binomial / Poisson) beside REML, with the one the response suggests
// marked, and a note (with a one-click switch) when a binary or count response is fitted as Gaussian.
import type { WidgetContext } from "../context";
import { type Component, h, setVisible } from "../dom";
import { listen, readFamilyHint } from "../model";

const FAMILIES: [string, string, string][] = [
  ["gaussian", "Gaussian", "A linear mixed model (lmer): a measured response"],
  [
    "binomial",
    "Binomial",
    "A logistic mixed model (glmer, logit link): 0/1, two values or cbind()",
  ],
  ["poisson", "Poisson", "A log-linear mixed model (glmer, log link): counts"],
];

const LABELS: Record<string, string> = Object.fromEntries(FAMILIES.map(([v, label]) => [v, label]));

export function createFamilySelect(ctx: WidgetContext): Component & { note: HTMLElement } {
  const { model } = ctx;
  const options = FAMILIES.map(([value, label, title]) => h("option", { value, title }, label));
  const select = h(
    "select",
    { class: "mw-select", "data-testid": "family-select", "aria-label": "Family of the response" },
    options,
  ) as HTMLSelectElement;
  const el = h(
    "label",
    { class: "mw-family", title: "The response's distribution, as R's family argument" },
    h("span", null, "Family"),
    select,
  );
  const use = h("button", {
    type: "button",
    class: "mw-button mw-small",
    "data-testid": "family-use",
  });
  const text = h("span", null);
  const note = h(
    "p",
    { class: "mw-family-note", "data-testid": "family-note", role: "note" },
    text,
    " ",
    use,
  );

  function render(): void {
    const family = String(model.get("family") || "gaussian");
    const hint = readFamilyHint(model);
    select.value = family;
    FAMILIES.forEach(([value, label], i) => {
      const option = options[i];
      if (option === undefined) return;
      option.textContent =
        value === hint.suggested && value !== "gaussian" ? `${label} (suggested)` : label;
    });
    select.title = hint.reason ? `The response holds ${hint.reason}` : "";
    text.textContent = hint.note;
    use.textContent = `Use ${LABELS[hint.suggested] ?? hint.suggested}`;
    setVisible(note, hint.note !== "");
  }

  select.addEventListener("change", () => ctx.setFamily(select.value));
  use.addEventListener("click", () => ctx.setFamily(readFamilyHint(model).suggested));
  const off = listen(model, ["change:family", "change:family_hint"], render);
  render();
  return { el, note, destroy: off };
}
