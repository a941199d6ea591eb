// Pinned fits side by side, with likelihood-ratio tests.
import type { WidgetContext } from "../context";
import { type Component, h, replace } from "../dom";
import {
  formatChisq,
  formatCount,
  formatEstimate,
  formatStat,
  formatT,
  formatVariance,
  pText,
} from "../format";
import { type Comparison, listen, readComparison } from "../model";

function sectionRow(label: string, span: number): HTMLTableRowElement {
  return h("tr", { class: "mw-section-row" }, h("th", { scope: "rowgroup", colspan: span }, label));
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function compareTable(c: Comparison, ctx: WidgetContext): HTMLTableElement {
  const span = c.models.length + 1;
  const head = h(
    "tr",
    null,
    h("th", { scope: "col" }, ""),
    c.models.map((m, index) => {
      const stats = c.stats.find((s) => s.model === m);
      return h(
        "th",
        { scope: "col", class: "mw-num mw-model-head", "data-model": m },
        pinName(ctx, m, index),
        stats ? h("code", { class: "mw-model-formula" }, stats.formula) : null,
        h(
          "div",
          { class: "mw-model-actions" },
          h(
            "button",
            {
              type: "button",
              class: "mw-button mw-button-quiet mw-small",
              "data-testid": "restore-pin",
              "aria-label": `Make ${m} the current model`,
              title: "Make this the current model",
              onclick: () => ctx.model.send({ kind: "restore_pin", index }),
            },
            "Use",
          ),
          h(
            "button",
            {
              type: "button",
              class: "mw-button mw-button-quiet mw-small mw-unpin",
              "data-testid": "unpin-button",
              "aria-label": `Unpin ${m}`,
              onclick: () => ctx.model.send({ kind: "unpin", index }),
            },
            "Unpin",
          ),
        ),
      );
    }),
  );

  const rows: HTMLTableRowElement[] = [];
  const terms = uniqueBy(c.fixed, (f) => f.term).map((f) => f.term);
  if (terms.length > 0) {
    rows.push(sectionRow("Fixed effects: t value (SE)", span));
    for (const term of terms) {
      rows.push(
        h(
          "tr",
          { "data-term": term, "data-kind": "fixed" },
          h("th", { scope: "row", class: "mw-term" }, term),
          c.models.map((m) => {
            const f = c.fixed.find((x) => x.term === term && x.model === m);
            return h(
              "td",
              { class: "mw-num", title: f ? `estimate ${formatEstimate(f.estimate)}` : null },
              f ? `${formatT(f.t_value)} (${formatT(f.std_error)})` : "",
            );
          }),
        ),
      );
    }
  }
  const components = uniqueBy(c.variance, (v) => `${v.group}\u0000${v.term}`);
  if (components.length > 0) {
    rows.push(sectionRow("Variance components", span));
    for (const comp of components) {
      rows.push(
        h(
          "tr",
          { "data-group": comp.group, "data-term": comp.term, "data-kind": "variance" },
          h(
            "th",
            { scope: "row", class: "mw-term" },
            comp.term ? `${comp.group} · ${comp.term}` : comp.group,
          ),
          c.models.map((m) => {
            const v = c.variance.find(
              (x) => x.model === m && x.group === comp.group && x.term === comp.term,
            );
            return h("td", { class: "mw-num" }, v ? formatVariance(v.variance) : "");
          }),
        ),
      );
    }
  }
  if (c.stats.length > 0) {
    rows.push(sectionRow("Fit", span));
    const lowest = (pick: (s: Comparison["stats"][number]) => number | null): number =>
      Math.min(
        ...c.stats
          .map(pick)
          .filter((x): x is number => typeof x === "number" && Number.isFinite(x)),
      );
    const statRows: {
      label: string;
      format: (s: Comparison["stats"][number]) => string;
      best?: number;
      pick?: (s: Comparison["stats"][number]) => number | null;
    }[] = [
      { label: "logLik", format: (s) => formatStat(s.loglik) },
      {
        label: "AIC",
        format: (s) => formatStat(s.aic),
        best: lowest((s) => s.aic),
        pick: (s) => s.aic,
      },
      {
        label: "BIC",
        format: (s) => formatStat(s.bic),
        best: lowest((s) => s.bic),
        pick: (s) => s.bic,
      },
      { label: "nobs", format: (s) => formatCount(s.nobs) },
      { label: "Parameters", format: (s) => formatCount(s.npar) },
    ];
    for (const r of statRows) {
      rows.push(
        h(
          "tr",
          { "data-stat": r.label },
          h("th", { scope: "row" }, r.label),
          c.models.map((m) => {
            const s = c.stats.find((x) => x.model === m);
            const best = s && r.pick && c.models.length > 1 && r.pick(s) === r.best;
            return h(
              "td",
              {
                class: `mw-num${best ? " mw-best" : ""}`,
                title: best ? `lowest ${r.label}` : null,
              },
              s ? r.format(s) : "",
            );
          }),
        ),
      );
    }
  }

  return h(
    "table",
    { class: "mw-table mw-compare-table", "data-testid": "compare-table" },
    h("caption", null, "Pinned fits"),
    h("thead", null, head),
    h("tbody", null, rows),
  );
}

/**
 * One test per row group: the two models' names on a line of their own (the whole table's
 * width, so a pin's long name does not wrap into a narrow column), then the numbers.
 */
function lrtTable(c: Comparison): HTMLElement | null {
  if (c.lrt.length === 0) return null;
  const boundary = c.lrt.some((r) => typeof r.p_boundary === "number");
  const span = boundary ? 5 : 4;
  const table = h(
    "table",
    { class: "mw-table mw-lrt-table", "data-testid": "lrt-table" },
    h("caption", null, "Likelihood-ratio tests"),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h(
          "th",
          { scope: "col", class: "mw-num", title: "Maximum-likelihood log-likelihoods" },
          "ML logLik",
        ),
        h("th", { scope: "col", class: "mw-num", title: "2 × difference of ML logLik" }, "Chisq"),
        h("th", { scope: "col", class: "mw-num" }, "Df"),
        h("th", { scope: "col", class: "mw-num" }, "p"),
        boundary
          ? h(
              "th",
              { scope: "col", class: "mw-num", title: "p-value against the boundary (mixture)" },
              "p (boundary)",
            )
          : null,
      ),
    ),
    c.lrt.map((r) =>
      h(
        "tbody",
        { "data-testid": "lrt-row", "data-model": r.model, "data-vs": r.vs },
        h(
          "tr",
          { class: "mw-lrt-models" },
          h("th", { scope: "rowgroup", colspan: span }, `${r.model} vs ${r.vs}`),
        ),
        h(
          "tr",
          null,
          h(
            "td",
            { class: "mw-num", "data-testid": "lrt-loglik" },
            `${formatStat(r.loglik)} vs ${formatStat(r.loglik_vs)}`,
          ),
          h("td", { class: "mw-num" }, formatChisq(r.chisq)),
          h("td", { class: "mw-num" }, formatCount(r.df)),
          h("td", { class: "mw-num" }, pText(r.p_text, r.p_value)),
          boundary
            ? h(
                "td",
                { class: "mw-num", "data-testid": "lrt-boundary" },
                typeof r.p_boundary === "number" ? pText(r.p_boundary_text, r.p_boundary) : "—",
              )
            : null,
        ),
      ),
    ),
  );
  return h("div", { class: "mw-scroll" }, table);
}

function pinName(ctx: WidgetContext, name: string, index: number): HTMLElement {
  const label = h("span", { class: "mw-pin-name", "data-testid": "pin-name" }, name);
  const wrap = h("div", { class: "mw-model-name" }, label);
  const rename = h(
    "button",
    {
      type: "button",
      class: "mw-button mw-button-quiet mw-small",
      "data-testid": "rename-pin",
      "aria-label": `Rename ${name}`,
      title: "Rename",
      onclick: () => {
        const input = h("input", {
          type: "text",
          class: "mw-pin-input",
          "data-testid": "pin-name-input",
          "aria-label": `New name for ${name}`,
          value: name,
          maxlength: 60,
        });
        let done = false;
        const finish = (keep: boolean): void => {
          if (done) return;
          done = true;
          const text = input.value.replace(/\s+/g, " ").trim();
          if (keep && text && text !== name) {
            ctx.model.send({ kind: "rename_pin", index, name: text });
            label.textContent = text;
          }
          wrap.replaceChildren(label, rename);
          rename.focus();
        };
        input.addEventListener("keydown", (ev) => {
          if (ev.key !== "Enter" && ev.key !== "Escape") return;
          // No default action: it would press the Rename button that takes the focus back.
          ev.preventDefault();
          finish(ev.key === "Enter");
        });
        input.addEventListener("blur", () => finish(true));
        wrap.replaceChildren(input);
        input.focus();
        input.select();
      },
    },
    "✎",
  );
  wrap.append(rename);
  return wrap;
}

export function createCompare(ctx: WidgetContext): Component {
  const { model } = ctx;
  const heading = h("h3", { class: "mw-panel-title" }, "Compare pinned fits");
  const clear = h(
    "button",
    {
      type: "button",
      class: "mw-button mw-button-quiet",
      "data-testid": "clear-pins",
      onclick: () => model.send({ kind: "clear_pins" }),
    },
    "Clear",
  );
  const body = h("div", { class: "mw-compare-body" });
  const el = h(
    "section",
    { class: "mw-compare mw-panel", "data-testid": "compare" },
    h("div", { class: "mw-panel-head" }, heading, clear),
    body,
  );

  function render(): void {
    const c = readComparison(model);
    const pinned = Array.isArray(model.get("pinned")) ? model.get("pinned") : [];
    const count = Math.max(c.models.length, pinned.length);
    heading.textContent = count > 0 ? `Compare pinned fits (${count})` : "Compare pinned fits";
    clear.disabled = count === 0;
    if (c.models.length === 0) {
      body.replaceChildren(
        h(
          "p",
          { class: "mw-note" },
          "Pin a fit, change the model, and pin again to compare them side by side.",
        ),
      );
      return;
    }
    const note = c.lrt_note
      ? h("p", { class: "mw-note", "data-testid": "lrt-note" }, c.lrt_note)
      : null;
    const method =
      c.lrt.length > 0 && c.lrt_method
        ? h("p", { class: "mw-note", "data-testid": "lrt-method" }, c.lrt_method)
        : null;
    replace(
      body,
      h("div", { class: "mw-scroll" }, compareTable(c, ctx)),
      lrtTable(c),
      method,
      note,
    );
    fitWidth();
  }

  /**
   * A comparison whose table is wider than the right-hand column (many pins) takes a row of the
   * layout to itself (widget.css), so no column hides behind a scrollbar. Measured in the column:
   * the class comes off, the table is measured, and the class goes back on if needed, before
   * the page is painted.
   */
  function fitWidth(): void {
    if (!el.isConnected) return;
    el.classList.remove("mw-compare-wide");
    const scroll = body.querySelector<HTMLElement>(".mw-scroll");
    const wide = scroll !== null && scroll.scrollWidth > scroll.clientWidth + 1;
    el.classList.toggle("mw-compare-wide", wide);
  }

  const resizeObserver =
    typeof ResizeObserver === "function" ? new ResizeObserver(() => fitWidth()) : null;
  resizeObserver?.observe(el);
  const off = listen(model, ["change:comparison", "change:pinned"], render);
  render();
  return {
    el,
    destroy: () => {
      off();
      resizeObserver?.disconnect();
    },
  };
}
