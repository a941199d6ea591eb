// anywidget entry point for mixwidget.
import { createBuilder } from "./components/builder";
import { createChartPicker } from "./components/chartPicker";
import { createCharts } from "./components/charts";
import { createCodeExport } from "./components/codeExport";
import { createCompare } from "./components/compare";
import { createFamilySelect } from "./components/familySelect";
import { createFormulaBar } from "./components/formulaBar";
import { createGroupPicker } from "./components/groupPicker";
import { createKeyNumbers } from "./components/keyNumbers";
import { createLargeText } from "./components/largeText";
import { createRemlToggle } from "./components/remlToggle";
import { createSimulation } from "./components/simulation";
import { createStatus } from "./components/status";
import { createStopControl } from "./components/stopControl";
import { createSummary } from "./components/summary";
import { createUndoButton } from "./components/undoButton";
import { createVariants } from "./components/variants";
import { WidgetContext } from "./context";
import { type Component, h } from "./dom";
import { listen, type Model } from "./model";
import { followTheme } from "./theme";
import css from "./widget.css";

export interface RenderProps {
  model: Model;
  el: HTMLElement;
}

function render({ model, el }: RenderProps): () => void {
  const ctx = new WidgetContext(model);
  let root: HTMLElement | null = null;
  const formulaBar = createFormulaBar(ctx);
  const status = createStatus(ctx);
  const stop = createStopControl(ctx);
  const reml = createRemlToggle(ctx);
  const family = createFamilySelect(ctx);
  const undo = createUndoButton(ctx);
  const large = createLargeText(ctx, () => root);
  const code = createCodeExport(ctx);
  const variants = createVariants(ctx);
  const keys = createKeyNumbers(ctx);
  const builder = createBuilder(ctx);
  const summary = createSummary(ctx);
  const compare = createCompare(ctx);
  const simulation = createSimulation(ctx);
  const picker = createGroupPicker(ctx);
  const charts = createCharts(ctx);
  const chartPicker = createChartPicker(ctx, charts.el);
  const components: Component[] = [
    formulaBar,
    status,
    stop,
    reml,
    family,
    undo,
    large,
    code,
    variants,
    keys,
    builder,
    summary,
    compare,
    simulation,
    picker,
    chartPicker,
    charts,
  ];

  root = h(
    "div",
    // JupyterLab's shortcuts (arrows, Enter, "d d" in command mode) must not act on keys
    // typed into the widget's own fields and drop-downs.
    { class: "mixwidget", "data-lm-suppress-shortcuts": "true" },
    h("style", null, css),
    h(
      "header",
      { class: "mw-top" },
      formulaBar.el,
      h(
        "div",
        { class: "mw-toolbar" },
        status.el,
        stop.el,
        reml.el,
        family.el,
        undo.el,
        code.el,
        large.el,
      ),
      family.note,
      variants.el,
    ),
    keys.el,
    h(
      "div",
      { class: "mw-main" },
      builder.el,
      h("div", { class: "mw-results" }, summary.el, compare.el),
    ),
    simulation.el,
    h("div", { class: "mw-chart-tools" }, picker.el, chartPicker.el),
    charts.el,
  );
  el.replaceChildren(root);
  // Keys typed into the widget stay in it (JupyterLab's notebook acts on arrows and Enter).
  const keepKeys = (event: KeyboardEvent): void => event.stopPropagation();
  root.addEventListener("keydown", keepKeys);
  if (model.get("large_text")) root.classList.add("mw-large");
  const offTheme = followTheme(model, root, () => charts.restyle());

  // Registered after the components so they can read the pending time before it is cleared.
  const offReply = listen(model, ["change:status", "change:error", "change:current"], () =>
    ctx.clearPending(),
  );

  return () => {
    offReply();
    offTheme();
    for (const c of components) c.destroy();
    ctx.destroy();
    root?.remove();
  };
}

export default { render };
