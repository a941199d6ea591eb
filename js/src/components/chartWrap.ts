// Side-by-side panels that do not fit even a whole row of the chart grid at their narrowest are
// wrapped into fewer columns, and tried side by side again once the card is clearly wider, so a
// chart never needs its own horizontal scrollbar.
import { naturalWidth, panelsSideBySide } from "../chartLook";
import type { ChartSpec } from "../model";
import type { Drawn } from "./chartViews";

/** How much wider the card must get before wrapped panels are tried side by side again, in px. */
const UNWRAP_MARGIN = 40;

export class PanelWrap {
  /** Columns side-by-side panels are wrapped into (0: as Python sent them). */
  columns = 0;
  /** The room there was when ``columns`` was last chosen, in px. */
  private wrappedAt = 0;

  /**
   * Choose the columns for a view of ``spec`` just fitted into ``body``; true when the view
   * must be drawn anew with the new number of columns.
   */
  rewrap(drawn: Drawn, spec: ChartSpec, body: HTMLElement, rowWidth: number): boolean {
    const room = Math.max(body.clientWidth, rowWidth) - 4;
    const natural = naturalWidth(body);
    const most = panelsSideBySide(spec);
    const now = drawn.columns || most;
    if (room > 0 && natural > room + 1 && now > 1) {
      this.columns = now - 1;
      this.wrappedAt = room;
      return true;
    }
    if (drawn.columns && room > this.wrappedAt + UNWRAP_MARGIN) {
      this.columns = drawn.columns + 1 >= most ? 0 : drawn.columns + 1;
      this.wrappedAt = room;
      return true;
    }
    return false;
  }
}
