// "Code": the current model as an R lmer() call or a Python mixwidget.fit() call, to copy.
import type { WidgetContext } from "../context";
import { type Component, h, setVisible } from "../dom";
import { listen } from "../model";

const LANGUAGES: [string, string][] = [
  ["R", "R (lme4)"],
  ["python", "Python"],
];

export function createCodeExport(ctx: WidgetContext): Component {
  const { model } = ctx;
  let language = "R";
  const pre = h("pre", { class: "mw-code", "data-testid": "code-text", tabindex: 0 });
  const copied = h("span", { class: "mw-note", role: "status", "aria-live": "polite" });
  const tabs = LANGUAGES.map(([key, label]) =>
    h(
      "button",
      {
        type: "button",
        class: "mw-button mw-small",
        "data-testid": `code-${key}`,
        "aria-pressed": "false",
        onclick: () => {
          language = key;
          render();
        },
      },
      label,
    ),
  );
  const copy = h(
    "button",
    {
      type: "button",
      class: "mw-button mw-button-primary mw-small",
      "data-testid": "copy-code",
      onclick: () => void copyText(),
    },
    "Copy",
  );
  const panel = h(
    "div",
    {
      class: "mw-code-panel",
      "data-testid": "code-panel",
      role: "region",
      "aria-label": "Model as code",
    },
    h("div", { class: "mw-code-bar" }, ...tabs, copy, copied),
    pre,
  );
  const toggle = h(
    "button",
    {
      type: "button",
      class: "mw-button",
      "data-testid": "code-button",
      "aria-expanded": "false",
      title: "The current model as R or Python code",
      onclick: () => {
        setVisible(panel, panel.hidden);
        toggle.setAttribute("aria-expanded", String(!panel.hidden));
      },
    },
    "</> Code",
  );
  setVisible(panel, false);

  async function copyText(): Promise<void> {
    const text = pre.textContent ?? "";
    try {
      await navigator.clipboard.writeText(text);
      copied.textContent = "Copied.";
    } catch {
      // No clipboard access (e.g. a page not served over https): select the text instead.
      const range = document.createRange();
      range.selectNodeContents(pre);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      copied.textContent = "Selected: press Ctrl+C to copy.";
    }
  }

  function render(): void {
    const code = model.get("code_text");
    const value = code ? code[language] : undefined;
    const text = typeof value === "string" ? value : "";
    pre.textContent = text;
    copied.textContent = "";
    toggle.disabled = !text;
    for (const [i, [key]] of LANGUAGES.entries()) {
      tabs[i]?.setAttribute("aria-pressed", String(key === language));
    }
  }

  const el = h("div", { class: "mw-code-export" }, toggle, panel);
  const onKey = (ev: KeyboardEvent): void => {
    if (ev.key === "Escape" && !panel.hidden) {
      setVisible(panel, false);
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  };
  el.addEventListener("keydown", onKey);
  const off = listen(model, ["change:code_text"], render);
  render();
  return { el, destroy: off };
}
