// The model's family and link (Gaussian; Binomial logit / probit / cloglog / cauchit; Poisson log / sqrt /
// identity, R's links) beside REML, with the family the response suggests marked, and a note (with a
// one-click switch) when a binary or count response is fitted as Gaussian.
import type { WidgetContext } from "../context";
import { type Component, h, setVisible } from "../dom";
import { listen, readFamilyHint } from "../model";

/** family, link, label, title: R's families and links, each family's default link first (the
 * same list as `EXPLORER_LINKS` in mixwidget/views/family.py; test/widget.test.ts checks they agree). */
export const FAMILY_LINKS: [string, string, string, string][] = [
  ["gaussian", "identity", "Gaussian", "A linear mixed model (lmer): a measured response"],
  [
    "binomial",
    "logit",
    "Binomial · logit",
    "A logistic mixed model (glmer, logit link): 0/1, two values or cbind(); odds ratios",
  ],
  [
    "binomial",
    "probit",
    "Binomial · probit",
    'A probit mixed model (glmer, binomial(link = "probit")): a latent normal scale',
  ],
  [
    "binomial",
    "cloglog",
    "Binomial · cloglog",
    'Complementary log-log link (glmer, binomial(link = "cloglog")): asymmetric, e.g. any event in a period',
  ],
  [
    "binomial",
    "cauchit",
    "Binomial · cauchit",
    'Cauchit link (glmer, binomial(link = "cauchit")): heavy tails, robust to a few surprising outcomes',
  ],
  [
    "poisson",
    "log",
    "Poisson · log",
    "A log-linear mixed model (glmer, log link): counts; rate ratios",
  ],
  ["poisson", "sqrt", "Poisson · sqrt", 'Square-root link (glmer, poisson(link = "sqrt")): counts'],
  [
    "poisson",
    "identity",
    "Poisson · identity",
    'Identity link (glmer, poisson(link = "identity")): counts; means must stay positive',
  ],
];

const FAMILY_LABELS: Record<string, string> = {
  gaussian: "Gaussian",
  binomial: "Binomial",
  poisson: "Poisson",
};

/** The link a model of `family` is fitted with when the link trait is `link` (as Python's `link_of`):
 * `link` if the family has it, else the family's default. */
export function linkOf(family: string, link: string): string {
  const links = FAMILY_LINKS.filter(([f]) => f === family).map(([, k]) => k);
  return links.includes(link) ? link : (links[0] ?? "identity");
}

export function createFamilySelect(ctx: WidgetContext): Component & { note: HTMLElement } {
  const { model } = ctx;
  const options = FAMILY_LINKS.map(([family, link, label, title]) =>
    h("option", { value: `${family}:${link}`, title }, label),
  );
  const select = h(
    "select",
    {
      class: "mw-select",
      "data-testid": "family-select",
      "aria-label": "Family and link of the response",
    },
    options,
  ) as HTMLSelectElement;
  const el = h(
    "label",
    { class: "mw-family", title: "The response's distribution and link, as R's family argument" },
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
    select.value = `${family}:${linkOf(family, String(model.get("link") || ""))}`;
    FAMILY_LINKS.forEach(([value, link, label], i) => {
      const option = options[i];
      if (option === undefined) return;
      const suggested =
        value === hint.suggested && value !== "gaussian" && link === linkOf(value, "");
      option.textContent = suggested ? `${label} (suggested)` : label;
    });
    select.title = hint.reason ? `The response holds ${hint.reason}` : "";
    text.textContent = hint.note;
    use.textContent = `Use ${FAMILY_LABELS[hint.suggested] ?? hint.suggested}`;
    setVisible(use, hint.suggested !== family); // a note on the family already in use has nothing to switch to
    setVisible(note, hint.note !== "");
  }

  select.addEventListener("change", () => {
    const [family = "gaussian", link = ""] = select.value.split(":");
    ctx.setFamily(family, link);
  });
  use.addEventListener("click", () => {
    const family = readFamilyHint(model).suggested;
    ctx.setFamily(family, linkOf(family, ""));
  });
  const off = listen(model, ["change:family", "change:link", "change:family_hint"], render);
  render();
  return { el, note, destroy: off };
}
