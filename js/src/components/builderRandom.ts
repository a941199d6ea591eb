// The builder's "Random effects" section: a row per random term, and "+ Add random term",
// which opens a draft term that is edited here and put in the model (and fitted) only by its
// Add button.
import { h } from "../dom";
import {
  type FormulaState,
  formulaVariables,
  normalizeExpression,
  quoteName,
  type RandomTerm,
  serializeRandom,
} from "../formula";
import type { ColumnInfo } from "../model";
import { createRandomRow } from "./randomRow";

/** The builder's own state: the term being drafted, and where focus goes after a render. */
export interface BuilderDraft {
  /** A random term being added, or null. */
  term: RandomTerm | null;
  /** Where focus goes after the next render (a data-key), when not the control that was used. */
  focusNext: string | null;
}

export interface RandomSectionProps {
  state: FormulaState;
  columns: ColumnInfo[];
  draft: BuilderDraft;
  commit(next: FormulaState): void;
  /** Draw the builder again (after the draft changed). */
  render(): void;
}

/** Why a drafted random term cannot be added, or "". */
function draftProblem(term: RandomTerm, random: RandomTerm[]): string {
  if (!term.intercept && term.slopes.length === 0) return "Choose an intercept or a slope.";
  const text = normalizeExpression(serializeRandom(term));
  if (random.some((r) => normalizeExpression(serializeRandom(r)) === text))
    return "The model has this term already.";
  return "";
}

/** An unused factor with several levels (a likely grouping factor) to start a draft at. */
function draftGroup(state: FormulaState, columns: ColumnInfo[]): ColumnInfo | undefined {
  const used = new Set(state.random.map((r) => r.group));
  return (
    columns.find(
      (c) => c.kind === "categorical" && c.levels >= 5 && !used.has(quoteName(c.name)),
    ) ??
    columns.find((c) => c.kind === "categorical" && !used.has(quoteName(c.name))) ??
    columns.find((c) => c.kind === "categorical") ??
    columns[0]
  );
}

function addButton(props: RandomSectionProps): HTMLElement {
  const { draft, render } = props;
  const candidate = draftGroup(props.state, props.columns);
  return h(
    "button",
    {
      type: "button",
      class: "mw-button",
      "data-testid": "add-random",
      "data-key": "add-random",
      disabled: !candidate,
      onclick: () => {
        if (!candidate) return;
        draft.term = {
          group: quoteName(candidate.name),
          intercept: true,
          slopes: [],
          correlated: true,
        };
        draft.focusNext = "draft-group";
        render();
      },
    },
    "+ Add random term",
  );
}

function draftRow(props: RandomSectionProps, term: RandomTerm): HTMLElement {
  const { state, columns, draft, commit, render } = props;
  return createRandomRow({
    term,
    index: state.random.length,
    columns,
    exclude: formulaVariables(`${state.response} ~ 1`),
    onChange: (t) => {
      draft.term = t;
      if (!t) draft.focusNext = "add-random";
      render();
    },
    draft: {
      blocked: draftProblem(term, state.random),
      onAdd: () => {
        draft.term = null;
        draft.focusNext = "add-random";
        commit({ ...state, random: [...state.random, term] });
        render(); // the formula may not change (a fit already running): close the draft anyway
      },
    },
  });
}

export function randomSection(props: RandomSectionProps): HTMLElement {
  const { state, columns, commit } = props;
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
  const term = props.draft.term;
  return h(
    "section",
    { class: "mw-section" },
    h("h4", { class: "mw-section-title" }, "Random effects"),
    rows.length > 0
      ? rows
      : h("p", { class: "mw-note" }, "No random terms: this is an ordinary linear model."),
    term ? draftRow(props, term) : addButton(props),
  );
}
