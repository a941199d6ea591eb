// Summary of the current fit, with changes against the previous fit.
import type { WidgetContext } from "../context";
import { type Component, h, replace, setVisible } from "../dom";
import { formatDropped, formatObsLine, formatStat, formatVariance } from "../format";
import { type FitSummary, listen } from "../model";
import { fixedTable } from "./fixedTable";
import { createPinButton } from "./pinButton";
import { updateIntervalProgress, varianceTable } from "./varianceTable";

const FAMILY_NAMES: Record<string, string> = { binomial: "Binomial", poisson: "Poisson" };

function title(fit: FitSummary): string {
  const family = FAMILY_NAMES[fit.family];
  if (family !== undefined) {
    return fit.kind === "glm"
      ? `${family} GLM (${fit.link} link, no random effects)`
      : `${family} mixed model (${fit.link} link) fit by maximum likelihood (Laplace)`;
  }
  if (fit.kind === "ols") return "Linear model (OLS, no random effects)";
  return fit.reml
    ? "Linear mixed model fit by REML"
    : "Linear mixed model fit by maximum likelihood";
}

function statsLine(fit: FitSummary): string {
  const parts: string[] = [];
  if (
    fit.reml_criterion !== null &&
    fit.reml_criterion !== undefined &&
    fit.reml &&
    fit.kind === "mixed"
  ) {
    parts.push(`REML criterion ${formatStat(fit.reml_criterion)}`);
  }
  parts.push(
    `logLik ${formatStat(fit.loglik)}`,
    `AIC ${formatStat(fit.aic)}`,
    `BIC ${formatStat(fit.bic)}`,
  );
  if (fit.deviance !== null && fit.deviance !== undefined)
    parts.push(`deviance ${formatStat(fit.deviance)}`);
  if (!(fit.family in FAMILY_NAMES)) parts.push(`σ ${formatVariance(fit.sigma)}`);
  return parts.join(" · ");
}

export function createSummary(ctx: WidgetContext): Component {
  const { model } = ctx;
  const pin = createPinButton(ctx);
  const heading = h("h3", { class: "mw-panel-title" }, "Summary");
  const body = h("div", { class: "mw-summary-body" });
  const messages = h("ul", {
    class: "mw-messages",
    "data-testid": "fit-messages",
    "aria-label": "Notes about this fit",
  });
  const el = h(
    "section",
    { class: "mw-summary mw-panel", "data-testid": "summary" },
    h("div", { class: "mw-panel-head" }, heading, pin.el),
    body,
    messages,
  );

  function render(): void {
    const current = model.get("current");
    const previous = model.get("previous") ?? null;
    if (!current) {
      heading.textContent = "Summary";
      body.replaceChildren(
        h("p", { class: "mw-note" }, "No fit yet. Type a formula above and press Enter."),
      );
      messages.replaceChildren();
      setVisible(messages, false);
      return;
    }
    heading.textContent = title(current);
    const badges: HTMLElement[] = [];
    if (current.singular) {
      badges.push(
        h(
          "span",
          {
            class: "mw-badge mw-badge-warn",
            title: "Some variance components are estimated at (or near) zero",
          },
          "⚠ singular fit",
        ),
      );
    }
    if (current.converged === false) {
      badges.push(h("span", { class: "mw-badge mw-badge-warn" }, "⚠ did not converge"));
    }
    const dropped = formatDropped(current.n_dropped);
    const hasRandom = current.kind === "mixed" || (current.variance ?? []).length > 0;
    replace(
      body,
      h("div", { class: "mw-fit-formula" }, h("code", null, current.formula), badges),
      previous
        ? h(
            "p",
            { class: "mw-previous" },
            h("span", { class: "mw-old" }, "small →"),
            " values above the numbers are the previous fit's: ",
            h("code", null, previous.formula),
            previous.kind === "ols" ? " (OLS)" : previous.reml ? " (REML)" : " (ML)",
          )
        : null,
      hasRandom
        ? varianceTable(
            current,
            previous,
            model.get("intervals") ?? null,
            () => model.send({ kind: "variance_intervals" }),
            () => model.send({ kind: "cancel_intervals" }),
          )
        : null,
      fixedTable(current, previous, {
        term: model.get("focus") ?? null,
        choose: (term) => {
          model.set("focus", term);
          model.save_changes();
        },
      }),
      h(
        "p",
        { class: "mw-obs", "data-testid": "obs-line" },
        formatObsLine(current.nobs, current.ngroups),
        dropped
          ? h("span", { class: "mw-dropped", "data-testid": "dropped-rows" }, ` · ${dropped}`)
          : null,
      ),
      h("p", { class: "mw-stats" }, statsLine(current)),
    );
    const notes = Array.isArray(current.messages) ? current.messages : [];
    messages.replaceChildren(...notes.map((m) => h("li", null, m)));
    setVisible(messages, notes.length > 0);
  }

  // A running profile's progress changes only its status line, in place.
  const onIntervals = (): void => {
    if (!updateIntervalProgress(body, model.get("current"), model.get("intervals") ?? null))
      render();
  };
  const offIntervals = listen(model, ["change:intervals"], onIntervals);
  const offRest = listen(model, ["change:current", "change:previous", "change:focus"], render);
  const off = (): void => {
    offIntervals();
    offRest();
  };
  render();
  return {
    el,
    destroy() {
      off();
      pin.destroy();
    },
  };
}
