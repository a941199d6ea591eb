// Table cell showing a value and, when it changed since the previous fit, the old value
// small above it ("2.250 →" over "2.217"), so a changed cell is no wider than an unchanged one.
import { h } from "../dom";

/**
 * `current` and `previous` are already formatted; the change is shown only when the printed
 * text differs. The current value always sits in a child with class "value".
 */
export function changeCell(
  current: string,
  previous: string | null | undefined,
  className = "mw-num",
): HTMLTableCellElement {
  // A value the previous fit did not have ("", e.g. a share after a random-slope model) is no
  // change to show: an arrow with nothing before it says nothing.
  const changed =
    previous !== null && previous !== undefined && previous !== "" && previous !== current;
  const td = h("td", { class: `${className}${changed ? " mw-changed" : ""}` });
  if (changed) {
    td.append(
      h(
        "span",
        { class: "mw-was" },
        h("span", { class: "mw-old", title: "previous fit" }, previous),
        h("span", { class: "mw-arrow", "aria-label": "changed to" }, " → "),
      ),
    );
  }
  td.append(h("span", { class: "value" }, current));
  return td;
}
