// Toggle chip used for fixed effects and random slopes.
import { h } from "../dom";

export interface ChipOptions {
  label: string;
  pressed: boolean;
  testid: string;
  key: string;
  title?: string;
  /** Marks the chip with a small "ID" and says why (the column looks like an identifier). */
  idHint?: string;
  /** Removable chips show a cross and always read as pressed. */
  removable?: boolean;
  onClick: () => void;
}

export function chip(o: ChipOptions): HTMLButtonElement {
  const id = o.idHint ?? "";
  const title = [o.title, id].filter(Boolean).join(" · ");
  return h(
    "button",
    {
      type: "button",
      class: `mw-chip${o.pressed ? " mw-chip-on" : ""}${o.removable ? " mw-chip-removable" : ""}${id ? " mw-chip-id" : ""}`,
      "aria-pressed": o.removable ? null : String(o.pressed),
      "aria-label": o.removable ? `Remove ${o.label}` : id ? `${o.label} (${id})` : null,
      "data-testid": o.testid,
      "data-key": o.key,
      "data-term": o.label,
      "data-id-hint": id || null,
      title: title || null,
      onclick: o.onClick,
    },
    h(
      "span",
      { class: "mw-chip-mark", "aria-hidden": "true" },
      o.removable ? "×" : o.pressed ? "✓" : "+",
    ),
    h("span", { class: "mw-chip-label" }, o.label),
    id ? h("span", { class: "mw-chip-id-mark", "aria-hidden": "true" }, "ID") : null,
  );
}

/** A <select> with the given options; `extra` is shown first when the value is not among them. */
export function select(
  attrs: { testid: string; key: string; label: string; disabled?: boolean },
  options: { value: string; text: string }[],
  value: string,
  onChange: (value: string) => void,
): HTMLSelectElement {
  const el = h("select", {
    class: "mw-select",
    "data-testid": attrs.testid,
    "data-key": attrs.key,
    "aria-label": attrs.label,
    disabled: attrs.disabled ?? false,
  });
  const all = options.some((o) => o.value === value)
    ? options
    : [{ value, text: value }, ...options];
  for (const o of all)
    el.append(h("option", { value: o.value, selected: o.value === value }, o.text));
  el.value = value;
  el.addEventListener("change", () => onChange(el.value));
  return el;
}
