// The formula text box, with inline errors from the client check or from Python.
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
  const input = h("input", {
    id,
    type: "text",
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

  function renderHint(): void {
    const dirty = input.value.trim() !== applied().trim();
    hint.textContent = dirty ? "Enter to apply · Esc to revert" : "";
    el.classList.toggle("mw-dirty", dirty);
  }

  function renderError(): void {
    const message = ui.get().localError || model.get("error") || "";
    error.replaceChildren();
    if (message) {
      error.append(h("span", { class: "mw-error-icon", "aria-hidden": "true" }, "⚠"), " ", message);
    }
    setVisible(error, message !== "");
    input.setAttribute("aria-invalid", ui.get().localError ? "true" : "false");
  }

  function syncFromModel(): void {
    if (typingTimer !== null) clearTimeout(typingTimer);
    input.value = applied();
    ui.update({ localError: "" });
    renderHint();
    renderError();
  }

  function apply(): void {
    if (typingTimer !== null) clearTimeout(typingTimer);
    if (input.value.trim() === applied().trim()) {
      ui.update({ localError: "" });
      return;
    }
    ctx.applyFormula(input.value);
    renderHint();
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
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
    renderHint();
    if (typingTimer !== null) clearTimeout(typingTimer);
    const checked = checkFormula(input.value, readColumns(model));
    if (checked.ok) {
      ui.update({ localError: "" });
      return;
    }
    typingTimer = setTimeout(() => ui.update({ localError: checked.message }), TYPING_DELAY_MS);
  });

  const offModel = listen(model, ["change:formula"], syncFromModel);
  const offError = listen(model, ["change:error"], renderError);
  const offUi = ui.subscribe((s, prev) => {
    if (s.localError !== prev.localError) renderError();
  });

  syncFromModel();

  return {
    el,
    destroy() {
      if (typingTimer !== null) clearTimeout(typingTimer);
      offModel();
      offError();
      offUi();
    },
  };
}
