// One random-effect term in the builder: grouping factor(s), intercept, slopes, correlation.
// A draft row (a term being added) edits only itself until its Add button puts it in the model.
import { h } from "../dom";
import {
  type GroupParts,
  joinGroup,
  normalizeExpression,
  quoteName,
  type RandomTerm,
  serializeRandom,
  splitGroup,
} from "../formula";
import type { ColumnInfo } from "../model";
import { chip, select } from "./chip";

export interface RandomRowOptions {
  term: RandomTerm;
  /** Columns used in the response; not offered as slopes. */
  exclude: string[];
  index: number;
  columns: ColumnInfo[];
  /** Called with the edited term, or null to remove it (for a draft: to cancel it). */
  onChange: (term: RandomTerm | null) => void;
  /** A term not yet in the model: Add / Cancel instead of Remove; Escape cancels. */
  draft?: {
    onAdd: () => void;
    /** Why it cannot be added yet (e.g. the model has it already), or "". */
    blocked: string;
  };
}

export function createRandomRow({
  term,
  index,
  columns,
  exclude,
  onChange,
  draft,
}: RandomRowOptions): HTMLElement {
  const key = (name: string): string => (draft ? `draft-${name}` : `r${index}-${name}`);
  const parts: GroupParts | null = splitGroup(term.group);
  const names = columns.map((c) => ({ value: c.name, text: c.name }));
  const update = (patch: Partial<RandomTerm>): void => onChange({ ...term, ...patch });
  const setGroup = (patch: Partial<GroupParts>): void => {
    const base = parts ?? { outer: term.group, inner: "", op: "/" as const };
    update({ group: joinGroup({ ...base, ...patch }) });
  };

  const groupSelect = select(
    { testid: "random-group", key: key("group"), label: "Grouping factor" },
    names,
    parts ? parts.outer : term.group,
    (v) => (parts ? setGroup({ outer: v }) : update({ group: quoteName(v) })),
  );
  const innerSelect = select(
    {
      testid: "random-within",
      key: key("within"),
      label: "Inner grouping factor",
      disabled: !parts,
    },
    [{ value: "", text: "— none —" }, ...names.filter((n) => n.value !== parts?.outer)],
    parts?.inner ?? "",
    (v) => setGroup({ inner: v }),
  );
  const opSelect = select(
    {
      testid: "random-nest-op",
      key: key("op"),
      label: "How the factors combine",
      disabled: !parts?.inner,
    },
    [
      { value: "/", text: "/  nested" },
      { value: ":", text: ":  interaction" },
    ],
    parts?.op ?? "/",
    (v) => setGroup({ op: v === ":" ? ":" : "/" }),
  );

  const intercept = h("input", {
    type: "checkbox",
    checked: term.intercept,
    "data-testid": "random-intercept",
    "data-key": key("intercept"),
  });
  intercept.addEventListener("change", () => update({ intercept: intercept.checked }));

  const correlated = select(
    {
      testid: "random-correlated",
      key: key("corr"),
      label: "Correlation between intercept and slopes",
    },
    [
      { value: "|", text: "|  correlated" },
      { value: "||", text: "||  independent" },
    ],
    term.correlated ? "|" : "||",
    (v) => update({ correlated: v === "|" }),
  );

  const groupNames = new Set([...(parts ? [parts.outer, parts.inner] : [term.group]), ...exclude]);
  const slopeChips = columns
    .filter((c) => !groupNames.has(c.name))
    .map((c) => {
      const text = quoteName(c.name);
      const on = term.slopes.includes(text);
      return chip({
        label: c.name,
        pressed: on,
        testid: "random-slope",
        key: key(`slope-${c.name}`),
        title:
          c.kind === "categorical"
            ? `${c.name} (categorical, ${c.levels} levels)`
            : `${c.name} (numeric)`,
        onClick: () =>
          update({ slopes: on ? term.slopes.filter((s) => s !== text) : [...term.slopes, text] }),
      });
    });
  const columnTexts = new Set(columns.map((c) => quoteName(c.name)));
  const extraSlopes = term.slopes
    .filter((s) => !columnTexts.has(s))
    .map((s) =>
      chip({
        label: s,
        pressed: true,
        removable: true,
        testid: "random-slope-extra",
        key: key(`slope-extra-${s}`),
        onClick: () => update({ slopes: term.slopes.filter((x) => x !== s) }),
      }),
    );

  const preview = normalizeExpression(serializeRandom(term));
  const head = draft
    ? h(
        "div",
        { class: "mw-random-head" },
        h(
          "span",
          { class: "mw-draft-label" },
          "New term ",
          h("code", { class: "mw-random-preview" }, preview),
        ),
        h(
          "span",
          { class: "mw-draft-actions" },
          draft.blocked
            ? h("span", { class: "mw-note", "data-testid": "random-draft-note" }, draft.blocked)
            : null,
          h(
            "button",
            {
              type: "button",
              class: "mw-button mw-button-primary",
              "data-testid": "random-draft-add",
              "data-key": key("add"),
              "aria-label": `Add random term ${preview} and refit`,
              disabled: draft.blocked !== "",
              onclick: () => draft.onAdd(),
            },
            "Add",
          ),
          h(
            "button",
            {
              type: "button",
              class: "mw-button mw-button-quiet",
              "data-testid": "random-draft-cancel",
              "data-key": key("cancel"),
              "aria-label": "Cancel the new random term",
              onclick: () => onChange(null),
            },
            "Cancel",
          ),
        ),
      )
    : null;

  const row = h(
    "div",
    draft
      ? {
          class: "mw-random-row mw-random-draft",
          "data-testid": "random-draft",
          role: "group",
          "aria-label": `New random term ${preview}, not in the model yet`,
        }
      : { class: "mw-random-row", "data-testid": "random-row", "data-index": index },
    head ??
      h(
        "div",
        { class: "mw-random-head" },
        h("code", { class: "mw-random-preview" }, preview),
        h(
          "button",
          {
            type: "button",
            class: "mw-button mw-button-quiet",
            "data-testid": "random-remove",
            "data-key": key("remove"),
            "aria-label": `Remove random term ${serializeRandom(term)}`,
            onclick: () => onChange(null),
          },
          "Remove",
        ),
      ),
    h(
      "div",
      { class: "mw-field-grid" },
      h("span", { class: "mw-field-label" }, "Group"),
      h("div", { class: "mw-field-controls" }, groupSelect),
      h("span", { class: "mw-field-label" }, "Inner"),
      h("div", { class: "mw-field-controls" }, innerSelect, opSelect),
      h("span", { class: "mw-field-label" }, "Effects"),
      h(
        "div",
        { class: "mw-field-controls" },
        h("label", { class: "mw-check" }, intercept, "Intercept"),
        correlated,
      ),
      h("span", { class: "mw-field-label" }, "Slopes"),
      h(
        "div",
        { class: "mw-chips", role: "group", "aria-label": "Random slopes" },
        slopeChips,
        extraSlopes,
      ),
    ),
  );
  if (draft) {
    row.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      event.stopPropagation();
      onChange(null);
    });
  }
  return row;
}
