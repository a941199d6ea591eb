// Point-and-click formula builder: response, fixed effects, interactions, random terms, one
// section per file (builderResponse.ts, builderFixed.ts, builderRandom.ts). The builder shows
// the formula trait; its own state is the random term being drafted.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import { type FormulaState, parseFormula, quoteName, serializeFormula } from "../formula";
import { listen, type Model, readColumns } from "../model";
import { fixedSection } from "./builderFixed";
import { type BuilderDraft, randomSection } from "./builderRandom";
import { responseSection } from "./builderResponse";

class Builder implements Component {
  readonly el: HTMLDetailsElement;
  private readonly body = h("div", { class: "mw-builder-body" });
  private readonly model: Model;
  private readonly draft: BuilderDraft = { term: null, focusNext: null };
  private readonly off: () => void;

  constructor(private readonly ctx: WidgetContext) {
    this.model = ctx.model;
    const summary = h("summary", { class: "mw-panel-title" }, "Model builder");
    this.el = h(
      "details",
      { class: "mw-builder mw-panel", "data-testid": "builder" },
      summary,
      this.body,
    );
    const { ui } = ctx;
    this.el.open = ui.get().builderOpen;
    this.el.addEventListener("toggle", () => ui.update({ builderOpen: this.el.open }));
    this.off = listen(this.model, ["change:formula", "change:columns"], () => this.render());
    this.render();
  }

  destroy(): void {
    this.off();
  }

  private commit(next: FormulaState): void {
    this.ctx.applyFormula(serializeFormula(next));
  }

  /** The control to focus after this render: the one asked for, else the one in use. */
  private focusKey(): string | undefined {
    const active = this.el.ownerDocument.activeElement;
    const key =
      this.draft.focusNext ??
      (active instanceof HTMLElement && this.el.contains(active) ? active.dataset.key : undefined);
    this.draft.focusNext = null;
    return key;
  }

  private render(): void {
    const focusKey = this.focusKey();
    const { body } = this;
    const columns = readColumns(this.model);
    const formula = this.model.get("formula") ?? "";
    const parsed = parseFormula(formula);
    const removes =
      parsed.ok &&
      [...parsed.state.fixed, ...parsed.state.random.flatMap((r) => r.slopes)].some((t) =>
        t.startsWith("- "),
      );
    if (formula.trim() !== "" && (!parsed.ok || removes)) {
      const why = parsed.ok ? "it removes a term with '-'" : parsed.message;
      body.replaceChildren(
        h(
          "p",
          { class: "mw-note" },
          `The builder cannot show this formula (${why}). Edit the text above.`,
        ),
      );
      return;
    }
    const firstNumeric = columns.find((c) => c.kind === "numeric")?.name ?? "y";
    const state: FormulaState = parsed.ok
      ? parsed.state
      : { response: quoteName(firstNumeric), fixed: [], intercept: true, random: [] };
    const commit = (next: FormulaState): void => this.commit(next);

    body.replaceChildren(
      responseSection(state, columns, commit),
      fixedSection(state, columns, commit),
      randomSection({ state, columns, draft: this.draft, commit, render: () => this.render() }),
    );

    if (focusKey) {
      const target = [...body.querySelectorAll<HTMLElement>("[data-key]")].find(
        (c) => c.dataset.key === focusKey,
      );
      target?.focus();
    }
  }
}

export function createBuilder(ctx: WidgetContext): Component {
  return new Builder(ctx);
}
