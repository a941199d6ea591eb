// Button that asks Python to pin the current fit for comparison.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen } from "../model";

export function createPinButton(ctx: WidgetContext): Component {
  const { model } = ctx;
  const el = h("button", {
    type: "button",
    class: "mw-button mw-button-primary",
    "data-testid": "pin-button",
    title: "Keep this fit in the comparison table",
    onclick: () => model.send({ kind: "pin" }),
  });

  function render(): void {
    const current = model.get("current");
    const pinned = Array.isArray(model.get("pinned")) ? model.get("pinned") : [];
    const already =
      current !== null && current !== undefined && pinned.some((p) => p.id === current.id);
    el.disabled = !current;
    el.textContent = already ? "Pinned ✓" : "Pin this fit";
  }

  const off = listen(model, ["change:current", "change:pinned"], render);
  render();
  return { el, destroy: off };
}
