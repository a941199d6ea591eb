// The key numbers strip: the t-value the error structure matters for, now vs previous vs least
// squares, the standard-error ratio and the variance shares, in one line at the top.
import type { WidgetContext } from "../context";
import { type Component, h, setVisible } from "../dom";
import { formatShare, formatT } from "../format";
import { type KeyNumbers, listen, readKeyNumbers } from "../model";

function item(
  label: string,
  value: string,
  extra: string,
  testid: string,
  title?: string,
): HTMLElement {
  return h(
    "span",
    { class: "mw-key", "data-testid": testid, title: title ?? null },
    h("span", { class: "mw-key-label" }, label),
    " ",
    h("strong", { class: "mw-key-value" }, value),
    extra ? h("span", { class: "mw-key-extra" }, ` ${extra}`) : null,
  );
}

/** "(was 2.250; OLS 3.759)", leaving out what is not known. */
function context(parts: [string, string][]): string {
  const shown = parts.filter(([, v]) => v !== "").map(([k, v]) => `${k} ${v}`);
  return shown.length > 0 ? `(${shown.join("; ")})` : "";
}

export function items(k: KeyNumbers): HTMLElement[] {
  const out: HTMLElement[] = [];
  // A binomial or Poisson model reports Wald z; its no-groups baseline is a GLM, not least squares.
  const generalized = k.stat === "z";
  const was =
    k.stat_previous !== null && k.stat_previous !== k.stat ? `was ${k.stat_previous}` : "was";
  if (k.term !== null && k.t !== null) {
    out.push(
      item(
        `${k.term} ${k.stat}`,
        formatT(k.t),
        context([
          [was, k.t_previous !== null ? formatT(k.t_previous) : ""],
          [
            generalized ? "GLM" : "OLS",
            k.t_ols !== null && k.se_ratio !== null ? formatT(k.t_ols) : "",
          ],
        ]),
        "key-t",
        k.focus
          ? "The chosen term (click its row in the fixed-effects table to let go)"
          : "The term whose t-value moved most (click a row of the fixed-effects table to follow another)",
      ),
    );
  }
  if (k.focus_missing) {
    out.push(
      h(
        "span",
        { class: "mw-key mw-key-extra", "data-testid": "key-focus-missing" },
        `(${k.focus_missing} is not in this model)`,
      ),
    );
  }
  for (const s of k.shares) {
    out.push(
      item(
        `${s.group} share`,
        formatShare(s.share) || "—",
        context([["was", s.previous !== null ? formatShare(s.previous) : ""]]),
        "key-share",
      ),
    );
    const last = out[out.length - 1];
    if (k.shares_note && last !== undefined) last.title = k.shares_note;
  }
  if (k.se_ratio !== null) {
    out.push(
      item(
        generalized ? "SE ratio GLM/mixed" : "SE ratio OLS/mixed",
        k.se_ratio.toFixed(2),
        k.se_ratio < 1 ? `(${generalized ? "GLM" : "OLS"} understates the SE)` : "",
        "key-se-ratio",
      ),
    );
  }
  return out;
}

export function createKeyNumbers(ctx: WidgetContext): Component {
  const { model } = ctx;
  const el = h("div", {
    class: "mw-keys",
    "data-testid": "key-numbers",
    role: "status",
    "aria-label": "Key numbers",
  });

  function render(): void {
    const k = readKeyNumbers(model);
    const parts = k ? items(k) : [];
    const joined: (HTMLElement | string)[] = [];
    parts.forEach((p, i) => {
      if (i > 0) joined.push(h("span", { class: "mw-key-sep", "aria-hidden": "true" }, " · "));
      joined.push(p);
    });
    el.replaceChildren(...joined);
    setVisible(el, parts.length > 0);
  }

  const off = listen(model, ["change:key_numbers"], render);
  render();
  return { el, destroy: off };
}
