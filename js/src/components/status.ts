// Fit status: "Fitting… 120 ms" while a fit runs, "Fitted in 35 ms · done" when idle.
import { now, type WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { formatDuration } from "../format";
import { listen, readStatus } from "../model";

const TICK_MS = 100;

export function createStatus(ctx: WidgetContext): Component {
  const { model, ui } = ctx;
  const text = h("span", { class: "mw-status-text" });
  const el = h(
    "div",
    { class: "mw-status", "data-testid": "fit-status", role: "status", "aria-live": "polite" },
    h("span", { class: "mw-status-dot", "aria-hidden": "true" }),
    text,
  );
  let fittingSince: number | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;

  function stopTimer(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  function render(): void {
    const status = readStatus(model);
    const pending = ui.get().pendingSince;
    const fitting = status.state === "fitting" || pending !== null;
    if (fitting) {
      if (fittingSince === null) fittingSince = pending ?? now();
      if (timer === null) timer = setInterval(render, TICK_MS);
      el.dataset.state = "fitting";
      text.textContent = `Fitting… ${formatDuration(now() - fittingSince)}`;
      el.title = status.message;
      return;
    }
    fittingSince = null;
    stopTimer();
    const hasError = status.state === "error" || Boolean(model.get("error"));
    el.dataset.state = hasError ? "error" : "idle";
    el.title = status.message;
    if (status.state === "stopped") {
      el.dataset.state = "stopped";
      text.textContent = "Stopped · done";
    } else if (hasError) text.textContent = "Error · done";
    else if (status.elapsed_ms !== null && model.get("current"))
      text.textContent = `Fitted in ${formatDuration(status.elapsed_ms)} · done`;
    else if (model.get("current")) text.textContent = "Fitted · done";
    else text.textContent = "No fit yet · done";
  }

  const off = listen(model, ["change:status", "change:error", "change:current"], render);
  const offUi = ui.subscribe((s, prev) => {
    if (s.pendingSince !== prev.pendingSince) render();
  });
  render();

  return {
    el,
    destroy() {
      stopTimer();
      off();
      offUi();
    },
  };
}
