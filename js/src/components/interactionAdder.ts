// "Add a:b": two drop-downs of the model's simple fixed terms and a button that adds their
// interaction.
import { h } from "../dom";
import type { FormulaState } from "../formula";
import { select } from "./chip";

function isSimpleTerm(term: string): boolean {
  return !/[:*/^()]/.test(term);
}

export function interactionAdder(
  state: FormulaState,
  commit: (next: FormulaState) => void,
): HTMLElement {
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
