// REML / ML estimation toggle.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen } from "../model";

const TITLE = "Checked: REML (restricted maximum likelihood). Unchecked: ML.";

export function createRemlToggle(ctx: WidgetContext): Component {
  const { model } = ctx;
  const box = h("input", {
    type: "checkbox",
    "data-testid": "reml-toggle",
  });
  const mode = h("span", { class: "mw-reml-mode" });
  const el = h("label", { class: "mw-reml", title: TITLE }, box, h("span", null, "REML"), mode);

  function render(): void {
    const reml = Boolean(model.get("reml"));
    // Binomial and Poisson models are fitted by maximum likelihood (as glmer): REML does not apply.
    const generalized = (model.get("family") || "gaussian") !== "gaussian";
    box.checked = reml && !generalized;
    box.disabled = generalized;
    el.classList.toggle("mw-disabled", generalized);
    el.title = generalized
      ? "Binomial and Poisson models are fitted by maximum likelihood (Laplace), as glmer: no REML."
      : TITLE;
    mode.textContent = generalized ? "(ML: glmer)" : reml ? "" : "(using ML)";
  }

  box.addEventListener("change", () => ctx.setReml(box.checked));
  const off = listen(model, ["change:reml", "change:family"], render);
  render();
  return { el, destroy: off };
}
