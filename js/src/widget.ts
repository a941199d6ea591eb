// anywidget entry point for mixwidget.
import { createBuilder } from "./components/builder";
import { createCharts } from "./components/charts";
import { createCompare } from "./components/compare";
import { createFormulaBar } from "./components/formulaBar";
import { createRemlToggle } from "./components/remlToggle";
import { createStatus } from "./components/status";
import { createSummary } from "./components/summary";
import { createVariants } from "./components/variants";
import { WidgetContext } from "./context";
import { type Component, h } from "./dom";
import { listen, type Model } from "./model";
import css from "./widget.css";

export interface RenderProps {
  model: Model;
  el: HTMLElement;
}

function render({ model, el }: RenderProps): () => void {
  const ctx = new WidgetContext(model);
  const formulaBar = createFormulaBar(ctx);
  const status = createStatus(ctx);
  const reml = createRemlToggle(ctx);
  const variants = createVariants(ctx);
  const builder = createBuilder(ctx);
  const summary = createSummary(ctx);
  const compare = createCompare(ctx);
  const charts = createCharts(ctx);
  const components: Component[] = [
    formulaBar,
    status,
    reml,
    variants,
    builder,
    summary,
    compare,
    charts,
  ];

  const root = h(
    "div",
    { class: "mixwidget" },
    h("style", null, css),
    h(
      "header",
      { class: "mw-top" },
      formulaBar.el,
      h("div", { class: "mw-toolbar" }, status.el, reml.el),
      variants.el,
    ),
    h(
      "div",
      { class: "mw-main" },
      builder.el,
      h("div", { class: "mw-results" }, summary.el, compare.el),
    ),
    charts.el,
  );
  el.replaceChildren(root);

  // Registered after the components so they can read the pending time before it is cleared.
  const offReply = listen(model, ["change:status", "change:error", "change:current"], () =>
    ctx.clearPending(),
  );

  return () => {
    offReply();
    for (const c of components) c.destroy();
    ctx.destroy();
    root.remove();
  };
}

export default { render };
