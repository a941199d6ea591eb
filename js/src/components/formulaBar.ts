// The formula text box, with inline errors from the client check or from Python. It wraps and
// grows with its text, so a long formula stays readable; Enter applies, and a formula has no
// line breaks (pasted ones become spaces, as R reads them).
import type { WidgetContext } from "../context";
import { type Component, h, setVisible } from "../dom";
import { checkFormula } from "../formula";
import { listen, readColumns } from "../model";

/** Wait this long after the last keystroke before showing a problem in the typed formula. */
const TYPING_DELAY_MS = 600;

export function createFormulaBar(ctx: WidgetContext): Component {
  const { model, ui } = ctx;
  let typingTimer: ReturnType<typeof setTimeout> | null = null;

  const id = `mw-formula-${Math.random().toString(36).slice(2, 9)}`;
  const input = h("textarea", {
    id,
    rows: 1,
    wrap: "soft",
    class: "mw-formula-input",
    "data-testid": "formula-input",
    "aria-label": "Model formula",
    spellcheck: "false",
    autocomplete: "off",
    autocapitalize: "off",
    placeholder: "response ~ fixed + (1 | group)",
  });
  const hint = h("span", { class: "mw-formula-hint", "aria-live": "polite" });
  const error = h("div", {
    class: "mw-error",
    role: "alert",
    "data-testid": "fit-error",
  });
  const el = h(
    "div",
    { class: "mw-formula-bar" },
    h("label", { class: "mw-formula-label", for: id }, "Formula"),
    h("div", { class: "mw-formula-field" }, input, hint),
    error,
  );

  const applied = (): string => model.get("formula") ?? "";

  /** Fit the box's height to its wrapped text (one line at least). */
  let lastWidth = -1;
  function grow(): void {
    input.style.height = "auto";
    const height = input.scrollHeight;
    if (height <= 0) {
      input.style.height = "";
      return; // not laid out (hidden, or no layout engine)
    }
    const style = getComputedStyle(input);
    const borders =
      Number.parseFloat(style.borderTopWidth) + Number.parseFloat(style.borderBottomWidth);
    const wanted = height + (Number.isFinite(borders) ? borders : 0);
    input.style.height = `${wanted}px`;
    // Past its greatest height (widget.css) the box scrolls inside instead of growing.
    const most = Number.parseFloat(style.maxHeight);
    input.classList.toggle("mw-capped", Number.isFinite(most) && wanted > most + 1);
  }

  /** The formula around character ``at`` with a caret under it, as Python's messages show it. */
  function caret(text: string, at: number): HTMLElement {
    const start = Math.max(0, at - 40);
    const shown = `${start > 0 ? "…" : ""}${text.slice(start, at + 40)}`;
    const column = at - start + (start > 0 ? 1 : 0);
    return h(
      "span",
      { class: "mw-error-caret", "data-testid": "fit-error-caret", "aria-hidden": "true" },
      `${shown}\n${" ".repeat(column)}^`,
    );
  }
  // Wrapping changes with the box's width (window, sidebar, large text): grow again then.
  const resizer =
    typeof ResizeObserver === "function"
      ? new ResizeObserver(() => {
          if (input.clientWidth !== lastWidth) {
            lastWidth = input.clientWidth;
            grow();
          }
        })
      : null;
  resizer?.observe(input);

  function renderHint(): void {
    const dirty = input.value.trim() !== applied().trim();
    hint.textContent = dirty ? "Enter to apply · Esc to revert" : "";
    el.classList.toggle("mw-dirty", dirty);
  }

  function renderError(): void {
    const { localError, localErrorAt } = ui.get();
    const message = localError || model.get("error") || "";
    error.replaceChildren();
    if (message) {
      error.append(h("span", { class: "mw-error-icon", "aria-hidden": "true" }, "⚠"), " ", message);
      // The check's position counts from 1 (0: not tied to one place).
      if (localError && localErrorAt && localErrorAt <= input.value.length) {
        error.append(caret(input.value, localErrorAt - 1));
      }
    }
    setVisible(error, message !== "");
    input.setAttribute("aria-invalid", ui.get().localError ? "true" : "false");
  }

  function syncFromModel(): void {
    if (typingTimer !== null) clearTimeout(typingTimer);
    input.value = applied();
    grow();
    ui.update({ localError: "", localErrorAt: null });
    renderHint();
    renderError();
  }

  function apply(): void {
    if (typingTimer !== null) clearTimeout(typingTimer);
    if (input.value.trim() === applied().trim()) {
      ui.update({ localError: "", localErrorAt: null });
      return;
    }
    ctx.applyFormula(input.value);
    renderHint();
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      apply();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      syncFromModel();
    }
  });
  input.addEventListener("blur", apply);
  input.addEventListener("input", () => {
    if (/[\r\n]/.test(input.value)) {
      const caret = input.selectionStart;
      input.value = input.value.replace(/\r\n?|\n/g, " ");
      input.setSelectionRange(caret, caret);
    }
    grow();
    renderHint();
    if (typingTimer !== null) clearTimeout(typingTimer);
    const checked = checkFormula(input.value, readColumns(model));
    if (checked.ok) {
      ui.update({ localError: "", localErrorAt: null });
      return;
    }
    typingTimer = setTimeout(
      () => ui.update({ localError: checked.message, localErrorAt: checked.position ?? null }),
      TYPING_DELAY_MS,
    );
  });

  const offModel = listen(model, ["change:formula"], syncFromModel);
  const offError = listen(model, ["change:error"], renderError);
  const offUi = ui.subscribe((s, prev) => {
    if (s.localError !== prev.localError || s.localErrorAt !== prev.localErrorAt) renderError();
  });

  syncFromModel();

  return {
    el,
    destroy() {
      if (typingTimer !== null) clearTimeout(typingTimer);
      resizer?.disconnect();
      offModel();
      offError();
      offUi();
    },
  };
}
