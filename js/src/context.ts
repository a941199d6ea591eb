// Shared wiring handed to every component.
import { checkFormula } from "./formula";
import { type Model, readColumns } from "./model";
import { UiStore } from "./uiState";

/**
 * Show "Fitting…" from the moment a change is sent until Python answers (it sets `status` to
 * fitting right away). If nothing arrives, e.g. Python rejected the change with the same
 * error as before, fall back to the synced status after this long.
 */
const PENDING_TIMEOUT_MS = 2_000;

export class WidgetContext {
  readonly ui: UiStore;
  private pendingTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly model: Model) {
    this.ui = new UiStore();
  }

  /**
   * Check a formula on the client, then send it to Python.
   * Returns false (and shows the message) when it is not sent.
   */
  applyFormula(text: string): boolean {
    const formula = text.trim();
    const checked = checkFormula(formula, readColumns(this.model));
    if (!checked.ok) {
      this.ui.update({ localError: checked.message, localErrorAt: checked.position ?? null });
      return false;
    }
    this.ui.update({ localError: "" });
    if (formula !== this.model.get("formula")) {
      this.markPending();
      this.model.set("formula", formula);
      this.model.save_changes();
    }
    return true;
  }

  /** Send a formula chosen from a list supplied by Python (no client-side check). */
  applyTrustedFormula(formula: string): void {
    this.ui.update({ localError: "" });
    if (formula !== this.model.get("formula")) {
      this.markPending();
      this.model.set("formula", formula);
      this.model.save_changes();
    }
  }

  setReml(reml: boolean): void {
    if (reml === this.model.get("reml")) return;
    this.markPending();
    this.model.set("reml", reml);
    this.model.save_changes();
  }

  /** Set the family and its link at once (one message, one refit). */
  setFamily(family: string, link: string): void {
    if (family === this.model.get("family") && link === this.model.get("link")) return;
    this.markPending();
    this.model.set("family", family);
    this.model.set("link", link);
    this.model.save_changes();
  }

  /** Called when Python reports back (status, error or a new fit). */
  clearPending(): void {
    if (this.pendingTimer !== null) clearTimeout(this.pendingTimer);
    this.pendingTimer = null;
    this.ui.update({ pendingSince: null });
  }

  private markPending(): void {
    if (this.pendingTimer !== null) clearTimeout(this.pendingTimer);
    this.ui.update({ pendingSince: now() });
    this.pendingTimer = setTimeout(() => this.clearPending(), PENDING_TIMEOUT_MS);
  }

  destroy(): void {
    if (this.pendingTimer !== null) clearTimeout(this.pendingTimer);
  }
}

export function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
