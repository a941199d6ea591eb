// "Back": return to the model shown before the current one.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen } from "../model";

export function createUndoButton(ctx: WidgetContext): Component {
  const { model } = ctx;
  const el = h(
    "button",
    {
      type: "button",
      class: "mw-button",
      "data-testid": "undo-button",
      onclick: () => model.send({ kind: "undo" }),
    },
    "↶ Back",
  );

  function render(): void {
    const formula = model.get("undo_formula");
    const has = typeof formula === "string" && formula !== "";
    el.disabled = !has;
    el.title = has ? `Back to ${formula}` : "No earlier model";
    el.setAttribute(
      "aria-label",
      has ? `Back to the previous model, ${formula}` : "Back (no earlier model)",
    );
  }

  const off = listen(model, ["change:undo_formula"], render);
  render();
  return { el, destroy: off };
}
