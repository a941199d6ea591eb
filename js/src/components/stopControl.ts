// Beside the status: a Stop button while a stoppable fit runs, and a note when a fit was stopped.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { listen, readStatus } from "../model";

export function createStopControl(ctx: WidgetContext): Component {
  const { model } = ctx;
  const button = h(
    "button",
    {
      type: "button",
      class: "mw-button mw-stop",
      "data-testid": "fit-stop",
      title: "Stop the running fit; the previous fit stays shown",
      onclick: () => model.send({ kind: "cancel" }),
    },
    "Stop",
  );
  const note = h("span", { class: "mw-stopped", "data-testid": "fit-stopped", role: "note" });
  const el = h("span", { class: "mw-stop-control" }, button, note);

  function render(): void {
    const status = readStatus(model);
    button.hidden = !(status.state === "fitting" && status.stoppable);
    note.textContent = status.stopped ?? "";
    note.hidden = !status.stopped;
  }

  const off = listen(model, ["change:status"], render);
  render();
  return { el, destroy: off };
}
