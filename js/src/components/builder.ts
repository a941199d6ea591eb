// Point-and-click formula builder: response, fixed effects, interactions, random terms.
import type { WidgetContext } from "../context";
import { type Component, h } from "../dom";
import {
  type FormulaState,
  formulaVariables,
  normalizeExpression,
  parseFormula,
  quoteName,
  type RandomTerm,
  serializeFormula,
  serializeRandom,
} from "../formula";
import { type ColumnInfo, listen, readColumns } from "../model";
import { chip, select } from "./chip";
import { createRandomRow } from "./randomRow";

function isSimpleTerm(term: string): boolean {
  return !/[:*/^()]/.test(term);
}

/** Why a drafted random term cannot be added, or "". */
function draftProblem(term: RandomTerm, random: RandomTerm[]): string {
  if (!term.intercept && term.slopes.length === 0) return "Choose an intercept or a slope.";
  const text = normalizeExpression(serializeRandom(term));
  if (random.some((r) => normalizeExpression(serializeRandom(r)) === text))
    return "The model has this term already.";
  return "";
}

export function createBuilder(ctx: WidgetContext): Component {
  const { model, ui } = ctx;
  const body = h("div", { class: "mw-builder-body" });
  const summary = h("summary", { class: "mw-panel-title" }, "Model builder");
  const el = h(
    "details",
    { class: "mw-builder mw-panel", "data-testid": "builder" },
    summary,
    body,
  );
  (el as HTMLDetailsElement).open = ui.get().builderOpen;
  el.addEventListener("toggle", () => ui.update({ builderOpen: (el as HTMLDetailsElement).open }));

  const commit = (next: FormulaState): void => {
    ctx.applyFormula(serializeFormula(next));
  };

  /** A random term being added: edited here, put in the model (and fitted) only by its Add button. */
  let draft: RandomTerm | null = null;
  /** Where focus goes after the next render (a data-key), when not the control that was used. */
  let focusNext: string | null = null;

  function render(): void {
    const active = el.ownerDocument.activeElement;
    const focusKey =
      focusNext ??
      (active instanceof HTMLElement && el.contains(active) ? active.dataset.key : undefined);
    focusNext = null;

    const columns = readColumns(model);
    const formula = model.get("formula") ?? "";
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

    body.replaceChildren(
      responseSection(state, columns),
      fixedSection(state, columns),
      randomSection(state, columns),
    );

    if (focusKey) {
      const target = [...body.querySelectorAll<HTMLElement>("[data-key]")].find(
        (c) => c.dataset.key === focusKey,
      );
      target?.focus();
    }
  }

  function responseSection(state: FormulaState, columns: ColumnInfo[]): HTMLElement {
    const numeric = columns.filter((c) => c.kind === "numeric");
    const options = numeric.map((c) => ({ value: quoteName(c.name), text: c.name }));
    return h(
      "section",
      { class: "mw-section" },
      h("h4", { class: "mw-section-title" }, "Response"),
      select(
        { testid: "response-select", key: "response", label: "Response variable" },
        options,
        state.response,
        (v) => commit({ ...state, response: v }),
      ),
    );
  }

  function fixedSection(state: FormulaState, columns: ColumnInfo[]): HTMLElement {
    const responseVars = new Set(formulaVariables(`${state.response} ~ 1`));
    const columnTexts = new Set(columns.map((c) => quoteName(c.name)));
    const chips = columns
      .filter((c) => !responseVars.has(c.name))
      .map((c) => {
        const text = quoteName(c.name);
        const on = state.fixed.includes(text);
        return chip({
          label: c.name,
          pressed: on,
          testid: "fixed-chip",
          key: `fixed-${c.name}`,
          title:
            c.kind === "categorical"
              ? `${c.name}: categorical, ${c.levels} levels${c.integer_codes ? " (coded as integers)" : ""}`
              : `${c.name}: numeric`,
          idHint: c.id_hint ?? "",
          onClick: () =>
            commit({
              ...state,
              fixed: on ? state.fixed.filter((t) => t !== text) : [...state.fixed, text],
            }),
        });
      });
    const extras = state.fixed
      .filter((t) => !columnTexts.has(t))
      .map((t) =>
        chip({
          label: t,
          pressed: true,
          removable: true,
          testid: "fixed-extra-chip",
          key: `fixed-extra-${t}`,
          onClick: () => commit({ ...state, fixed: state.fixed.filter((x) => x !== t) }),
        }),
      );

    const intercept = h("input", {
      type: "checkbox",
      checked: state.intercept,
      "data-testid": "fixed-intercept",
      "data-key": "fixed-intercept",
    });
    intercept.addEventListener("change", () => commit({ ...state, intercept: intercept.checked }));

    return h(
      "section",
      { class: "mw-section" },
      h("h4", { class: "mw-section-title" }, "Fixed effects"),
      h("div", { class: "mw-chips", role: "group", "aria-label": "Fixed effects" }, chips),
      extras.length > 0 ? h("div", { class: "mw-chips mw-chips-extra" }, extras) : null,
      h(
        "div",
        { class: "mw-row" },
        h("label", { class: "mw-check" }, intercept, "Intercept"),
        interactionAdder(state),
      ),
    );
  }

  function interactionAdder(state: FormulaState): HTMLElement {
    const simple = state.fixed.filter(isSimpleTerm);
    const options = simple.map((t) => ({ value: t, text: t }));
    const a = select(
      { testid: "interaction-a", key: "ia-a", label: "First term", disabled: simple.length < 2 },
      options,
      simple[0] ?? "",
      () => refresh(),
    );
    const b = select(
      { testid: "interaction-b", key: "ia-b", label: "Second term", disabled: simple.length < 2 },
      options,
      simple[1] ?? "",
      () => refresh(),
    );
    const add = h("button", {
      type: "button",
      class: "mw-button",
      "data-testid": "add-interaction",
      "data-key": "ia-add",
    });
    const refresh = (): void => {
      const term = `${a.value}:${b.value}`;
      add.textContent = simple.length < 2 ? "Add interaction" : `Add ${term}`;
      add.disabled = simple.length < 2 || a.value === b.value || state.fixed.includes(term);
    };
    add.addEventListener("click", () => {
      const term = `${a.value}:${b.value}`;
      if (!state.fixed.includes(term)) commit({ ...state, fixed: [...state.fixed, term] });
    });
    refresh();
    return h(
      "div",
      { class: "mw-interaction", role: "group", "aria-label": "Add an interaction" },
      a,
      h("span", { "aria-hidden": "true" }, "×"),
      b,
      add,
    );
  }

  function randomSection(state: FormulaState, columns: ColumnInfo[]): HTMLElement {
    const setTerm = (index: number, term: RandomTerm | null): void => {
      const random = state.random.slice();
      if (term) random[index] = term;
      else random.splice(index, 1);
      commit({ ...state, random });
    };
    const rows = state.random.map((term, index) =>
      createRandomRow({
        term,
        index,
        columns,
        exclude: formulaVariables(`${state.response} ~ 1`),
        onChange: (t) => setTerm(index, t),
      }),
    );
    const used = new Set(state.random.map((r) => r.group));
    // Start the draft at an unused factor with several levels (a likely grouping factor).
    const candidate =
      columns.find(
        (c) => c.kind === "categorical" && c.levels >= 5 && !used.has(quoteName(c.name)),
      ) ??
      columns.find((c) => c.kind === "categorical" && !used.has(quoteName(c.name))) ??
      columns.find((c) => c.kind === "categorical") ??
      columns[0];
    const add = h(
      "button",
      {
        type: "button",
        class: "mw-button",
        "data-testid": "add-random",
        "data-key": "add-random",
        disabled: !candidate,
        onclick: () => {
          if (!candidate) return;
          draft = {
            group: quoteName(candidate.name),
            intercept: true,
            slopes: [],
            correlated: true,
          };
          focusNext = "draft-group";
          render();
        },
      },
      "+ Add random term",
    );
    const current = draft;
    const draftRow = current
      ? createRandomRow({
          term: current,
          index: state.random.length,
          columns,
          exclude: formulaVariables(`${state.response} ~ 1`),
          onChange: (t) => {
            draft = t;
            if (!t) focusNext = "add-random";
            render();
          },
          draft: {
            blocked: draftProblem(current, state.random),
            onAdd: () => {
              draft = null;
              focusNext = "add-random";
              commit({ ...state, random: [...state.random, current] });
              render(); // the formula may not change (a fit already running): close the draft anyway
            },
          },
        })
      : null;
    return h(
      "section",
      { class: "mw-section" },
      h("h4", { class: "mw-section-title" }, "Random effects"),
      rows.length > 0
        ? rows
        : h("p", { class: "mw-note" }, "No random terms: this is an ordinary linear model."),
      draftRow ?? add,
    );
  }

  const off = listen(model, ["change:formula", "change:columns"], render);
  render();
  return { el, destroy: off };
}
