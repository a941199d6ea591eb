// Projector mode: a toggle that draws the whole widget, charts included, larger.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen } from "../model";

export function createLargeText(ctx: WidgetContext, root: () => HTMLElement | null): Component {
  const { model } = ctx;
  const box = h("input", { type: "checkbox", "data-testid": "large-text" });
  const el = h(
    "label",
    { class: "mw-check mw-large-toggle", title: "Larger text and charts, for a projector" },
    box,
    "Large text",
  );

  function render(): void {
    const on = Boolean(model.get("large_text"));
    box.checked = on;
    root()?.classList.toggle("mw-large", on);
  }

  box.addEventListener("change", () => {
    model.set("large_text", box.checked);
    model.save_changes();
    render();
  });
  const off = listen(model, ["change:large_text"], render);
  render();
  return { el, destroy: off };
}
