// The views one chart card keeps: the one on show and the ones drawn before it, keyed by their
// spec, so a model whose charts were drawn before (e.g. switching back and forth between two
// formulas) only gets new data.
import type { EmbedResult } from "./chartEmbed";

/** Views kept per card (the one on show and the ones drawn before it). */
export const VIEWS_KEPT = 3;

/** A view embedded for one spec, with the data it shows. */
export interface Drawn {
  specKey: string;
  dataKey: string;
  datasets: string[];
  result: EmbedResult;
  /** The element vega-embed drew into; moved in and out of the card's body. */
  target: HTMLElement;
  /** The view widths Python's spec asked for, by signal name (scaled to fill the card). */
  widths: Map<string, number>;
  /** Columns its side-by-side panels were wrapped into (0: laid out as Python sent them). */
  columns: number;
  /** The room the view was last fitted to and the width it came out at (none until fitted). */
  filled?: { available: number; width: number };
  /** False after the marks were drawn anew and their descriptions not yet rounded. */
  labelled: boolean;
  /** The spec declares the "selected" param (a group can be highlighted). */
  selectable: boolean;
}

export class ChartViews {
  /** Views by recency, the one on show (if any) first. */
  private kept: Drawn[] = [];
  /** The view on show, or null while the card shows a note or is drawing. */
  onShow: Drawn | null = null;

  constructor(private readonly chartName: string) {}

  /** The kept view for this spec laid out in this many columns, if any. */
  find(specKey: string, columns: number): Drawn | undefined {
    return this.kept.find((d) => d.specKey === specKey && d.columns === columns);
  }

  /** Put a view first (the one to show) and finalize the ones beyond the few kept. */
  keep(drawn: Drawn): void {
    this.kept = [drawn, ...this.kept.filter((d) => d !== drawn)];
    for (const old of this.kept.splice(VIEWS_KEPT)) this.finalize(old);
  }

  /** Drop a view that failed (it is finalized). */
  forget(drawn: Drawn): void {
    this.kept = this.kept.filter((d) => d !== drawn);
    if (this.onShow === drawn) this.onShow = null;
    this.finalize(drawn);
  }

  /** Finalize every view. */
  clear(): void {
    for (const drawn of this.kept) this.finalize(drawn);
    this.kept = [];
    this.onShow = null;
  }

  private finalize(drawn: Drawn): void {
    try {
      drawn.result.finalize();
    } catch (err) {
      console.warn(`mixwidget: finalizing chart ${this.chartName} failed`, err);
    }
  }
}
