// One-click formula variants suggested by Python.
import type { WidgetContext } from "../context";
import { type Component, h, setVisible } from "../dom";
import { listen, type Variant } from "../model";

export function createVariants(ctx: WidgetContext): Component {
  const { model } = ctx;
  const list = h("div", { class: "mw-variant-list" });
  const el = h(
    "div",
    { class: "mw-variants", role: "group", "aria-label": "Try a variant" },
    h("span", { class: "mw-variants-label" }, "Try:"),
    list,
  );

  function render(): void {
    const variants: Variant[] = Array.isArray(model.get("variants")) ? model.get("variants") : [];
    list.replaceChildren(
      ...variants.map((v) =>
        h(
          "button",
          {
            type: "button",
            class: "mw-button mw-variant",
            "data-testid": "variant-button",
            "data-formula": v.formula,
            title: v.formula,
            onclick: () => ctx.applyTrustedFormula(v.formula),
          },
          v.label,
        ),
      ),
    );
    setVisible(el, variants.length > 0);
  }

  const off = listen(model, ["change:variants"], render);
  render();
  return { el, destroy: off };
}
