// Types mirroring the synced traits of mixwidget.MixWidget (Python side). The payloads' types are
// generated from Python (payloads.ts, by scripts/make_contracts.py).
import type {
  ColumnInfo,
  Comparison,
  FitStatus,
  FitSummary,
  KeyNumbers,
  VarianceIntervals,
  Variant,
} from "./payloads";

export type {
  ColumnInfo,
  CompareFixed,
  CompareStats,
  CompareVariance,
  Comparison,
  FitStatus,
  FitSummary,
  FixedRow,
  IntervalRow,
  KeyNumbers,
  KeyShare,
  LrtRow,
  VarianceIntervals,
  VarianceRow,
  Variant,
} from "./payloads";

export type ColumnKind = ColumnInfo["kind"];

/** A Vega-Lite spec as a plain JSON object. */
export type ChartSpec = Record<string, unknown>;

/** Dataset name → rows for one chart. */
export type ChartDatasets = Record<string, Record<string, unknown>[]>;

/** A dataset as the kernel sends it: column name → values (all columns of one length). */
export type ChartColumns = Record<string, unknown[]>;

/** Dataset name → columns (as sent) or rows, for one chart. */
export type SentDatasets = Record<string, ChartColumns | Record<string, unknown>[]>;

/** Every synced trait, by name. */
export interface Traits {
  formula: string;
  reml: boolean;
  /** R's family of the model: "gaussian", "binomial" or "poisson" (written by the page's selector). */
  family: string;
  /** R's link of the family ("probit", "cloglog", ...; "" is the family's default), set with the family. */
  link: string;
  /** The family the response suggests, why, and a note when the model's family does not fit it. */
  family_hint: Partial<FamilyHint>;
  columns: ColumnInfo[];
  status: FitStatus;
  error: string;
  current: FitSummary | null;
  previous: FitSummary | null;
  variants: Variant[];
  pinned: FitSummary[];
  comparison: Partial<Comparison>;
  /** Charts to show, in order (effects, variance, shrinkage, caterpillar, lines, ...). */
  chart_names: string[];
  /** Chart name → Vega-Lite spec without "datasets"; marks use named data (sent as JSON text). */
  chart_specs: Record<string, ChartSpec> | string;
  /** Chart name → dataset name → columns (or rows). Changes on every refit (sent as JSON text). */
  chart_data: Record<string, SentDatasets> | string;
  /** Chart name → note shown instead of the chart when it does not apply. */
  chart_notes: Record<string, string>;
  /** Chart name → its title and subtitle lines, drawn above the view (they change with every fit). */
  chart_captions: Record<string, ChartCaption>;
  /** The selected group level (e.g. "1:2"), or null. */
  selected: string | null;
  /** The levels of `chart_group`, the choices for `selected`. */
  group_levels: string[];
  /** The key numbers strip. */
  key_numbers: Partial<KeyNumbers>;
  /** The fixed effect the key-numbers strip follows (null: the one that moved most). */
  focus: string | null;
  /** The prediction chart's intervals: "prediction" or "confidence". */
  prediction_interval: string;
  /** The current model as code, by language ("R", "python"). */
  code_text: Record<string, string>;
  /** The formula "undo" goes back to ("" when none). */
  undo_formula: string;
  /** Every chart there is, the choices for `chart_names`. */
  chart_choices: string[];
  /** Charts shown folded. */
  charts_collapsed: string[];
  /** Projector mode: everything larger. */
  large_text: boolean;
  /** "light" or "dark", as the page sees the notebook (written by the page). */
  theme: string;
  /** Grouping factor used by the per-group charts, and the choices. */
  chart_group: string;
  chart_groups: string[];
  /** Choices for a check by simulation. */
  simulation_options: Partial<SimulationOptions>;
  /** The running or last check by simulation. */
  simulation_status: Partial<SimulationStatus>;
  /** Profile intervals of the current fit's variance components, once asked for. */
  intervals: VarianceIntervals | null;
}

export interface SimulationChoice {
  id: string;
  label: string;
  formula: string;
  checked?: boolean;
}

export interface SimulationOptions {
  truths: SimulationChoice[];
  candidates: SimulationChoice[];
  terms: string[];
  term: string;
  nsim: number;
  nsim_min: number;
  nsim_max: number;
  /** How the current model's coefficients are tested: "t tests", "Wald z tests (binomial, logit link)". */
  test: string;
}

export interface SimulationStatus {
  state: "idle" | "running" | "done" | "cancelled" | "error";
  done: number;
  total: number;
  message: string;
  title: string;
}

/** Custom messages sent to Python with `model.send`. */
export type OutgoingMessage =
  | { kind: "pin" }
  | { kind: "unpin"; index: number }
  | { kind: "clear_pins" }
  | { kind: "rename_pin"; index: number; name: string }
  | { kind: "restore_pin"; index: number }
  | { kind: "undo" }
  | {
      kind: "simulate";
      truth: string;
      candidates: string[];
      term: string;
      null: boolean;
      nsim: number;
    }
  | { kind: "cancel_simulation" }
  | { kind: "variance_intervals" }
  | { kind: "cancel_intervals" }
  | { kind: "cancel" };

// biome-ignore lint/suspicious/noExplicitAny: event callbacks are untyped in anywidget
export type Callback = (...args: any[]) => void;

/** The subset of anywidget's AnyModel used by the front end. */
export interface Model {
  get<K extends keyof Traits>(key: K): Traits[K];
  set<K extends keyof Traits>(key: K, value: Traits[K]): void;
  on(event: string, callback: Callback): void;
  off(event?: string | null, callback?: Callback | null): void;
  save_changes(): void;
  send(content: OutgoingMessage, callbacks?: unknown, buffers?: unknown): void;
}

/** Subscribe to a model event; returns the matching unsubscribe function. */
export function listen(model: Model, events: string[], callback: Callback): () => void {
  for (const event of events) model.on(event, callback);
  return () => {
    for (const event of events) model.off(event, callback);
  };
}

/** Defensive readers: the Python side may not have filled every trait yet. */
export function readColumns(model: Model): ColumnInfo[] {
  const value = model.get("columns");
  return Array.isArray(value) ? value : [];
}

export function readStatus(model: Model): FitStatus {
  const value = model.get("status");
  return {
    state: value?.state ?? "idle",
    elapsed_ms: typeof value?.elapsed_ms === "number" ? value.elapsed_ms : null,
    message: value?.message ?? "",
    stopped: typeof value?.stopped === "string" ? value.stopped : "",
    stoppable: value?.stoppable === true,
  };
}

export function readComparison(model: Model): Comparison {
  const c = model.get("comparison") ?? {};
  return {
    models: Array.isArray(c.models) ? c.models : [],
    fixed: Array.isArray(c.fixed) ? c.fixed : [],
    variance: Array.isArray(c.variance) ? c.variance : [],
    stats: Array.isArray(c.stats) ? c.stats : [],
    lrt: Array.isArray(c.lrt) ? c.lrt : [],
    lrt_note: typeof c.lrt_note === "string" ? c.lrt_note : "",
    lrt_method: typeof c.lrt_method === "string" ? c.lrt_method : "",
  };
}

const finiteOrNull = (x: unknown): number | null =>
  typeof x === "number" && Number.isFinite(x) ? x : null;

/** The family the response suggests (see `family_hint`). */
export interface FamilyHint {
  suggested: string;
  reason: string;
  note: string;
}

export function readFamilyHint(model: Model): FamilyHint {
  const k = model.get("family_hint");
  const text = (x: unknown): string => (typeof x === "string" ? x : "");
  return isRecord(k)
    ? { suggested: text(k.suggested) || "gaussian", reason: text(k.reason), note: text(k.note) }
    : { suggested: "gaussian", reason: "", note: "" };
}

export function readKeyNumbers(model: Model): KeyNumbers | null {
  const k = model.get("key_numbers");
  if (!isRecord(k) || typeof k.term !== "string") return null;
  const shares = Array.isArray(k.shares) ? k.shares : [];
  return {
    term: k.term,
    focus: k.focus === true,
    focus_missing: typeof k.focus_missing === "string" ? k.focus_missing : null,
    stat: k.stat === "z" ? "z" : "t",
    stat_previous: k.stat_previous === "z" || k.stat_previous === "t" ? k.stat_previous : null,
    shares_note: typeof k.shares_note === "string" ? k.shares_note : "",
    t: finiteOrNull(k.t),
    t_previous: finiteOrNull(k.t_previous),
    t_ols: finiteOrNull(k.t_ols),
    se_ratio: finiteOrNull(k.se_ratio),
    shares: shares
      .filter((s) => isRecord(s) && typeof s.group === "string")
      .map((s) => ({
        group: s.group,
        share: finiteOrNull(s.share),
        previous: finiteOrNull(s.previous),
      })),
  };
}

export function readStrings(
  model: Model,
  key: "group_levels" | "charts_collapsed" | "chart_choices",
): string[] {
  const value = model.get(key);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** A plain-object record (not an array or null). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface ChartTraits {
  names: string[];
  specs: Record<string, ChartSpec>;
  data: Record<string, ChartDatasets>;
  notes: Record<string, string>;
  /** Why the latest chart specs or data could not be read ("" when they could); the last readable ones are kept. */
  problem: string;
}

export interface ChartCaption {
  title: string;
  subtitle: string[];
}

export function readCaption(model: Model, name: string): ChartCaption | null {
  const captions = model.get("chart_captions");
  if (!isRecord(captions)) return null;
  const c = (captions as Record<string, unknown>)[name];
  if (!isRecord(c)) return null;
  const title = typeof c.title === "string" ? c.title : "";
  const subtitle = Array.isArray(c.subtitle)
    ? c.subtitle.filter((s): s is string => typeof s === "string")
    : [];
  return { title, subtitle };
}

const allRowCache = new WeakMap<object, Record<string, ChartDatasets>>();

function chartsAsRows(data: Record<string, unknown>): Record<string, ChartDatasets> {
  const cached = allRowCache.get(data);
  if (cached) return cached;
  const out: Record<string, ChartDatasets> = {};
  for (const [name, value] of Object.entries(data)) out[name] = chartRows(value);
  allRowCache.set(data, out);
  return out;
}

/** Rows rebuilt from columns, per dataset object as sent (the trait's value changes on every refit). */
const rowCache = new WeakMap<object, Record<string, unknown>[]>();

/** The rows of a dataset sent as columns (column name → values); rows pass through. */
export function datasetRows(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value as Record<string, unknown>[];
  if (!isRecord(value)) return [];
  const cached = rowCache.get(value);
  if (cached) return cached;
  const names = Object.keys(value);
  const columns = names.map((n) => value[n]);
  let length = Infinity;
  for (const column of columns)
    length = Math.min(length, Array.isArray(column) ? column.length : 0);
  if (!Number.isFinite(length)) length = 0;
  const rows: Record<string, unknown>[] = new Array(length);
  for (let i = 0; i < length; i++) {
    const row: Record<string, unknown> = {};
    for (let j = 0; j < names.length; j++) row[names[j] as string] = (columns[j] as unknown[])[i];
    rows[i] = row;
  }
  rowCache.set(value, rows);
  return rows;
}

const chartRowCache = new WeakMap<object, ChartDatasets>();

/** One chart's datasets as rows (see ``datasetRows``). */
export function chartRows(value: unknown): ChartDatasets {
  if (!isRecord(value)) return {};
  const cached = chartRowCache.get(value);
  if (cached) return cached;
  const out: ChartDatasets = {};
  for (const [name, dataset] of Object.entries(value)) out[name] = datasetRows(dataset);
  chartRowCache.set(value, out);
  return out;
}

type ChartTraitName = "chart_specs" | "chart_data";

/** Each chart trait's latest text, the last value read from a text, and why the latest could not be read. */
const parsedTexts = new WeakMap<
  Model,
  Map<string, { text: string; value: unknown; error: string }>
>();

/**
 * A chart trait's value. The kernel sends chart specs and data as one JSON text (cheaper to write
 * than thousands of values walked one by one); each text is parsed once, so the objects (and the
 * caches keyed on them) stay the same until the next change. Objects are taken as they are. A text
 * that is not JSON leaves the last value read in place (the charts keep what they show), and
 * ``chartTraitError`` says why.
 */
export function chartTrait(model: Model, name: ChartTraitName): unknown {
  const value: unknown = model.get(name);
  if (typeof value !== "string") return value;
  let texts = parsedTexts.get(model);
  if (!texts) {
    texts = new Map();
    parsedTexts.set(model, texts);
  }
  const last = texts.get(name);
  if (last && last.text === value) return last.value;
  try {
    texts.set(name, { text: value, value: JSON.parse(value), error: "" });
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    texts.set(name, { text: value, value: last?.value ?? {}, error: reason });
  }
  return texts.get(name)?.value;
}

/** Why the latest text of a chart trait could not be read ("" when it could, or is not a text). */
export function chartTraitError(model: Model, name: ChartTraitName): string {
  chartTrait(model, name);
  const value: unknown = model.get(name);
  const entry = parsedTexts.get(model)?.get(name);
  return typeof value === "string" && entry?.text === value ? entry.error : "";
}

export function readCharts(model: Model): ChartTraits {
  const names = model.get("chart_names");
  const specs = chartTrait(model, "chart_specs");
  const data = chartTrait(model, "chart_data");
  const notes = model.get("chart_notes");
  const unread = (["chart_specs", "chart_data"] as const)
    .map((name) => [name, chartTraitError(model, name)] as const)
    .filter(([, error]) => error !== "");
  const problem = unread.length
    ? `The ${unread.map(([name]) => (name === "chart_specs" ? "chart specs" : "chart data")).join(" and ")} ` +
      `from Python could not be read (${unread.map(([, error]) => error).join("; ")}); ` +
      "the chart shows the last that could."
    : "";
  return {
    names: Array.isArray(names) ? names.filter((n) => typeof n === "string") : [],
    specs: isRecord(specs) ? (specs as Record<string, ChartSpec>) : {},
    data: isRecord(data) ? chartsAsRows(data) : {},
    notes: isRecord(notes) ? (notes as Record<string, string>) : {},
    problem,
  };
}

export function readSelected(model: Model): string | null {
  const value = model.get("selected");
  return typeof value === "string" ? value : null;
}

export function readChartGroups(model: Model): { group: string; groups: string[] } {
  const group = model.get("chart_group");
  const groups = model.get("chart_groups");
  return {
    group: typeof group === "string" ? group : "",
    groups: Array.isArray(groups) ? groups.filter((g) => typeof g === "string") : [],
  };
}

function choices(value: unknown): SimulationChoice[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (c): c is SimulationChoice =>
      isRecord(c) && typeof c.id === "string" && typeof c.label === "string",
  );
}

export function readSimulationOptions(model: Model): SimulationOptions {
  const o = model.get("simulation_options") ?? {};
  const terms = Array.isArray(o.terms) ? o.terms.filter((t) => typeof t === "string") : [];
  return {
    truths: choices(o.truths),
    candidates: choices(o.candidates),
    terms,
    term: typeof o.term === "string" ? o.term : (terms[0] ?? ""),
    nsim: typeof o.nsim === "number" ? o.nsim : 200,
    nsim_min: typeof o.nsim_min === "number" ? o.nsim_min : 10,
    nsim_max: typeof o.nsim_max === "number" ? o.nsim_max : 5000,
    test: typeof o.test === "string" ? o.test : "",
  };
}

export function readSimulationStatus(model: Model): SimulationStatus {
  const s = model.get("simulation_status") ?? {};
  const states = ["idle", "running", "done", "cancelled", "error"];
  return {
    state: (typeof s.state === "string" && states.includes(s.state)
      ? s.state
      : "idle") as SimulationStatus["state"],
    done: typeof s.done === "number" ? s.done : 0,
    total: typeof s.total === "number" ? s.total : 0,
    message: typeof s.message === "string" ? s.message : "",
    title: typeof s.title === "string" ? s.title : "",
  };
}
