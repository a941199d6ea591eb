// REML / ML estimation toggle.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen } from "../model";

export function createRemlToggle(ctx: WidgetContext): Component {
  const { model } = ctx;
  const box = h("input", {
    type: "checkbox",
    "data-testid": "reml-toggle",
  });
  const mode = h("span", { class: "mw-reml-mode" });
  const el = h(
    "label",
    { class: "mw-reml", title: "Checked: REML (restricted maximum likelihood). Unchecked: ML." },
    box,
    h("span", null, "REML"),
    mode,
  );

  function render(): void {
    const reml = Boolean(model.get("reml"));
    box.checked = reml;
    mode.textContent = reml ? "" : "(using ML)";
  }

  box.addEventListener("change", () => ctx.setReml(box.checked));
  const off = listen(model, ["change:reml"], render);
  render();
  return { el, destroy: off };
}
