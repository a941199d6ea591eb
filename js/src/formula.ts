// Parsing and printing of lme4 model formulas, e.g.
//   like ~ sex + PrivPub + (1 | school) + (1 | school:class)
// All functions are pure and never throw on user input.

export interface RandomTerm {
  /** Grouping factor as printed: "school", "batch/cask", "school:class". */
  group: string;
  intercept: boolean;
  slopes: string[];
  /** `|` (correlated) versus `||` (independent). */
  correlated: boolean;
}

export interface FormulaState {
  /** Column name or transform such as "sqrt(weight)". */
  response: string;
  /** Fixed-effect terms as printed: "Days", "a:b", "a * b", "I(x^2)". */
  fixed: string[];
  intercept: boolean;
  random: RandomTerm[];
}

export type ParseResult =
  | { ok: true; state: FormulaState }
  /** `position` is a 1-based character index into the formula, 0 when not tied to one place. */
  | { ok: false; message: string; position: number };

type TokenKind = "ident" | "num" | "str" | "op" | "lparen" | "rparen" | "comma";

export interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based offset in the source text. */
  pos: number;
}

import { FormulaSyntaxError, quoteColumn, readFormula } from "./formulaCheck";
import {
  type FunctionSpec,
  findFunction,
  quoteString,
  RESERVED,
  type Tok,
  tokenize as tokenizeExpression,
} from "./formulaExpression";

class FormulaError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

/** Binary operators printed with a space on either side (as R's deparse does). */
const SPACED_OPS = new Set([
  "+",
  "-",
  "*",
  "~",
  "|",
  "||",
  "&",
  "&&",
  "==",
  "!=",
  "<",
  ">",
  "<=",
  ">=",
  "=",
]);
/** Names that are never columns: R's logical constants and reserved words (Python's rules). */
const NOT_COLUMNS = new Set(["TRUE", "FALSE", ...RESERVED]);

/**
 * The formula's tokens, from the one tokenizer the page has (formulaExpression.ts, Python's
 * rules); throws FormulaError with Python's message for text Python cannot tokenize either.
 */
function tokenize(src: string): Token[] {
  return builderTokens(pythonRules(() => tokenizeExpression(src)));
}

/** The shared tokenizer's tokens in the builder's kinds (parentheses and commas apart). */
function builderTokens(toks: Tok[]): Token[] {
  const out: Token[] = [];
  for (const t of toks) {
    if (t.kind === "end") continue;
    if (t.kind === "num") out.push({ kind: "num", text: t.text, pos: t.pos });
    else if (t.kind === "name") out.push({ kind: "ident", text: t.text, pos: t.pos });
    else if (t.kind === "quoted") out.push({ kind: "ident", text: `\`${t.text}\``, pos: t.pos });
    else if (t.kind === "str") out.push({ kind: "str", text: quoteString(t.text), pos: t.pos });
    else if (t.text === "(") out.push({ kind: "lparen", text: t.text, pos: t.pos });
    else if (t.text === ")") out.push({ kind: "rparen", text: t.text, pos: t.pos });
    else if (t.text === ",") out.push({ kind: "comma", text: t.text, pos: t.pos });
    else out.push({ kind: "op", text: t.text, pos: t.pos });
  }
  return out;
}

function isOperand(t: Token | undefined): boolean {
  return (
    t !== undefined &&
    (t.kind === "ident" || t.kind === "num" || t.kind === "str" || t.kind === "rparen")
  );
}

/** Print tokens the way R deparses an expression: `a:b`, `a * b`, `I(x^2)`, `log(y + 1)`. */
function deparse(tokens: Token[]): string {
  let out = "";
  tokens.forEach((t, idx) => {
    const prev = tokens[idx - 1];
    if (t.kind === "op") {
      const binary = isOperand(prev);
      if (!binary || t.text === "!") out += t.text;
      else if (SPACED_OPS.has(t.text) || t.text.startsWith("%")) out += ` ${t.text} `;
      else out += t.text;
    } else if (t.kind === "comma") {
      out += ", ";
    } else {
      out += t.text;
    }
  });
  return out.trim();
}

interface Piece {
  sign: "+" | "-";
  tokens: Token[];
  /** 0-based offset of the sign (or of the first token when unsigned). */
  pos: number;
}

/** Split at top-level `+` / `-` operators. */
function splitTerms(tokens: Token[], endPos: number): Piece[] {
  const pieces: Piece[] = [];
  let depth = 0;
  let current: Piece = { sign: "+", tokens: [], pos: tokens[0]?.pos ?? endPos };
  tokens.forEach((t, idx) => {
    if (t.kind === "lparen") depth++;
    else if (t.kind === "rparen") depth--;
    const isSeparator =
      depth === 0 &&
      t.kind === "op" &&
      (t.text === "+" || t.text === "-") &&
      (idx === 0 || isOperand(tokens[idx - 1]));
    if (!isSeparator) {
      current.tokens.push(t);
      return;
    }
    if (idx > 0) {
      pieces.push(current);
    }
    current = { sign: t.text === "-" ? "-" : "+", tokens: [], pos: t.pos };
  });
  pieces.push(current);
  for (const [idx, piece] of pieces.entries()) {
    if (piece.tokens.length === 0) {
      const next = pieces[idx + 1];
      const at = (next ? next.pos : piece.pos) + 1;
      if (idx === pieces.length - 1 && tokens.length > 0) {
        throw new FormulaError(
          `missing term after '${piece.sign}' at character ${piece.pos + 1}`,
          piece.pos + 1,
        );
      }
      throw new FormulaError(`empty term at character ${at}`, at);
    }
  }
  return pieces;
}

function topLevelBars(tokens: Token[]): number[] {
  const bars: number[] = [];
  let depth = 0;
  tokens.forEach((t, idx) => {
    if (t.kind === "lparen") depth++;
    else if (t.kind === "rparen") depth--;
    else if (depth === 0 && t.kind === "op" && (t.text === "|" || t.text === "||")) bars.push(idx);
  });
  return bars;
}

/** If the whole token list is wrapped in one pair of parentheses, return the inside. */
function unwrap(tokens: Token[]): Token[] | null {
  if (
    tokens.length < 2 ||
    tokens[0]?.kind !== "lparen" ||
    tokens[tokens.length - 1]?.kind !== "rparen"
  )
    return null;
  let depth = 0;
  for (let idx = 0; idx < tokens.length; idx++) {
    const t = tokens[idx];
    if (t?.kind === "lparen") depth++;
    else if (t?.kind === "rparen") {
      depth--;
      if (depth === 0 && idx !== tokens.length - 1) return null;
    }
  }
  return tokens.slice(1, -1);
}

function isNumber(tokens: Token[], value: string): boolean {
  return (
    tokens.length === 1 &&
    tokens[0]?.kind === "num" &&
    Number(tokens[0].text.replace(/L$/, "")) === Number(value)
  );
}

function parseRandom(inner: Token[], src: string, first: Token, last: Token): RandomTerm {
  const typed = src.slice(first.pos, last.pos + 1);
  const bars = topLevelBars(inner);
  if (bars.length > 1) {
    throw new FormulaError(`more than one '|' in random term '${typed}'`, first.pos + 1);
  }
  const barIdx = bars[0] ?? 0;
  const bar = inner[barIdx] as Token;
  const lhs = inner.slice(0, barIdx);
  const rhs = inner.slice(barIdx + 1);
  if (lhs.length === 0) throw new FormulaError(`empty random term '${typed}'`, first.pos + 1);
  if (rhs.length === 0) {
    throw new FormulaError(`missing grouping factor in random term '${typed}'`, bar.pos + 1);
  }
  const nestedBar = rhs.find((t) => t.kind === "op" && (t.text === "|" || t.text === "||"));
  if (nestedBar)
    throw new FormulaError(
      `unexpected '${nestedBar.text}' at character ${nestedBar.pos + 1}`,
      nestedBar.pos + 1,
    );
  const term: RandomTerm = {
    group: deparse(rhs),
    intercept: true,
    slopes: [],
    correlated: bar.text === "|",
  };
  for (const piece of splitTerms(lhs, bar.pos)) {
    if (isNumber(piece.tokens, "1")) term.intercept = piece.sign === "+";
    else if (isNumber(piece.tokens, "0")) term.intercept = piece.sign === "-";
    else if (piece.sign === "-") term.slopes.push(`- ${deparse(piece.tokens)}`);
    else term.slopes.push(deparse(piece.tokens));
  }
  return term;
}

function parseOrThrow(src: string): FormulaState {
  // The language's rules first, as Python applies them (its messages and positions); what
  // follows only splits a formula they accept into the builder's parts.
  const tokens = builderTokens(pythonRules(() => readFormula(src).tokens));
  const tildes = tokens.filter((t) => t.kind === "op" && t.text === "~");
  const tilde = tildes[0];
  if (!tilde) throw new FormulaError("missing '~' between response and terms", 0);
  const second = tildes[1];
  if (second)
    throw new FormulaError(`unexpected second '~' at character ${second.pos + 1}`, second.pos + 1);
  const tildeIdx = tokens.indexOf(tilde);
  const lhs = tokens.slice(0, tildeIdx);
  const rhs = tokens.slice(tildeIdx + 1);
  if (lhs.length === 0) throw new FormulaError("missing response before '~'", tilde.pos + 1);
  if (rhs.length === 0) throw new FormulaError("missing terms after '~'", tilde.pos + 2);
  const strayBar = topLevelBars(lhs)[0];
  if (strayBar !== undefined) {
    const t = lhs[strayBar] as Token;
    throw new FormulaError(`unexpected '${t.text}' at character ${t.pos + 1}`, t.pos + 1);
  }

  const state: FormulaState = { response: deparse(lhs), fixed: [], intercept: true, random: [] };
  for (const piece of splitTerms(rhs, src.length)) {
    const first = piece.tokens[0] as Token;
    const last = piece.tokens[piece.tokens.length - 1] as Token;
    let inner = unwrap(piece.tokens);
    let random: RandomTerm | null = null;
    while (inner) {
      if (topLevelBars(inner).length > 0) {
        random = parseRandom(inner, src, first, last);
        break;
      }
      inner = unwrap(inner);
    }
    if (random) {
      if (piece.sign === "-") {
        throw new FormulaError(
          `random term cannot be removed with '-' at character ${piece.pos + 1}`,
          piece.pos + 1,
        );
      }
      state.random.push(random);
      continue;
    }
    const bar = topLevelBars(piece.tokens)[0];
    if (bar !== undefined) {
      const t = piece.tokens[bar] as Token;
      throw new FormulaError(
        `random term must be in parentheses, e.g. '(1 | g)' (unexpected '${t.text}' at character ${t.pos + 1})`,
        t.pos + 1,
      );
    }
    if (isNumber(piece.tokens, "1")) state.intercept = piece.sign === "+";
    else if (isNumber(piece.tokens, "0")) state.intercept = piece.sign === "-";
    else if (piece.sign === "-") state.fixed.push(`- ${deparse(piece.tokens)}`);
    else state.fixed.push(deparse(piece.tokens));
  }
  return state;
}

/** Run `read` under the language's rules, as the Python parser applies them (shared cases:
 * tests/formula_cases.json): its errors become this module's, with 1-based positions. */
function pythonRules<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof FormulaSyntaxError) {
      throw new FormulaError(err.message, err.position === null ? 0 : err.position + 1);
    }
    throw err;
  }
}

/** Parse a formula into builder state. Never throws. */
export function parseFormula(src: string): ParseResult {
  try {
    return { ok: true, state: parseOrThrow(src) };
  } catch (err) {
    if (err instanceof FormulaError)
      return { ok: false, message: err.message, position: err.position };
    return { ok: false, message: String(err), position: 0 };
  }
}

/** Terms joined with " + ", or " - " before a removed term (kept as "- x"). */
function joinTerms(parts: string[]): string {
  return parts
    .map((p, i) => (i === 0 ? p : p.startsWith("- ") ? ` - ${p.slice(2)}` : ` + ${p}`))
    .join("");
}

function randomLhs(term: RandomTerm): string {
  if (term.intercept) return term.slopes.length > 0 ? joinTerms(term.slopes) : "1";
  return joinTerms(["0", ...term.slopes]);
}

/** Print a random-effect term: `(1 | school)`, `(0 + Time | Chick)`, `(Days || Subject)`. */
export function serializeRandom(term: RandomTerm): string {
  return `(${randomLhs(term)} ${term.correlated ? "|" : "||"} ${term.group})`;
}

/** Print builder state as canonical lme4 formula text. */
export function serializeFormula(state: FormulaState): string {
  const parts: string[] = [];
  if (!state.intercept) parts.push("0");
  else if (state.fixed.length === 0) parts.push("1");
  parts.push(...state.fixed);
  for (const term of state.random) parts.push(serializeRandom(term));
  return `${state.response} ~ ${joinTerms(parts)}`;
}

/** Normalise the spacing of an expression (`Diet : Time` -> `Diet:Time`); returns the input if it cannot be read. */
export function normalizeExpression(expr: string): string {
  try {
    return deparse(tokenize(expr));
  } catch {
    return expr.trim();
  }
}

/** Quote a column name with backticks when it is not a syntactic R name. */
export function quoteName(name: string): string {
  return quoteColumn(name.replace(/`/g, ""));
}

function unquote(name: string): string {
  return name.startsWith("`") && name.endsWith("`") ? name.slice(1, -1) : name;
}

/** Identifier tokens that name variables (not functions, argument names or constants). */
function variableTokens(tokens: Token[]): Token[] {
  const out: Token[] = [];
  // Open parentheses: for a call, its function, which argument is being read, and its name if given.
  const open: { spec: FunctionSpec | undefined; arg: number; keyword: string | null }[] = [];
  tokens.forEach((t, idx) => {
    const prev = tokens[idx - 1];
    const next = tokens[idx + 1];
    const top = open[open.length - 1];
    if (t.kind === "lparen") {
      open.push({
        spec: prev?.kind === "ident" ? lookup(prev.text) : undefined,
        arg: 0,
        keyword: null,
      });
    } else if (t.kind === "rparen") open.pop();
    else if (t.kind === "comma" && top) {
      top.arg++;
      top.keyword = null;
    } else if (t.kind === "op" && t.text === "=" && top && prev?.kind === "ident") {
      top.keyword = prev.text;
    }
    if (t.kind !== "ident") return;
    if (next?.kind === "lparen") return; // function call
    if (next?.kind === "op" && next.text === "::") return; // package of a function: splines::ns
    if (open.length > 0 && next?.kind === "op" && next.text === "=") return; // named argument
    if (NOT_COLUMNS.has(t.text) || t.text === "pi") return;
    const param = top?.keyword ?? top?.spec?.params[top.arg];
    if (top?.spec && param !== undefined && top.spec.symbols.includes(param)) return; // C(x, contr.sum)
    out.push(t);
  });
  return out;
}

function lookup(func: string): FunctionSpec | undefined {
  try {
    return findFunction(func);
  } catch {
    return undefined;
  }
}

/** Column names a formula (text or state) refers to, in order of first use. */
export function formulaVariables(formula: string | FormulaState): string[] {
  const text = typeof formula === "string" ? formula : serializeFormula(formula);
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const t of variableTokens(tokens)) {
    const name = unquote(t.text);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      const row = d[i];
      if (row) row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known name closest to `name`, if it is close enough to be a likely typo. */
export function closestName(name: string, known: string[]): string | null {
  const lower = name.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const dist = editDistance(lower, k.toLowerCase());
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  return bestDistance <= limit ? best : null;
}

export interface UnknownColumn {
  name: string;
  suggestion: string | null;
  /** 1-based character index of the first use, 0 if unknown. */
  position: number;
  message: string;
}

/** Columns used by the formula that are not among `columns` (empty when columns are not known yet). */
export function unknownColumns(formula: string, columns: { name: string }[]): UnknownColumn[] {
  if (columns.length === 0) return [];
  const known = columns.map((c) => c.name);
  let tokens: Token[];
  try {
    tokens = tokenize(formula);
  } catch {
    return [];
  }
  const out: UnknownColumn[] = [];
  for (const t of variableTokens(tokens)) {
    const name = unquote(t.text);
    if (known.includes(name) || out.some((u) => u.name === name)) continue;
    const suggestion = closestName(name, known);
    const message = suggestion
      ? `column '${name}' not in data; did you mean '${suggestion}'?`
      : `column '${name}' not in data`;
    out.push({ name, suggestion, position: t.pos + 1, message });
  }
  return out;
}

/** Parse and check column names; the message is what the formula bar shows. */
export function checkFormula(formula: string, columns: { name: string }[]): ParseResult {
  const parsed = parseFormula(formula);
  if (!parsed.ok) return parsed;
  const unknown = unknownColumns(formula, columns);
  const first = unknown[0];
  if (first) {
    return {
      ok: false,
      message: unknown.map((u) => u.message).join("; "),
      position: first.position,
    };
  }
  return parsed;
}

export interface GroupParts {
  /** Outer factor, e.g. "school". */
  outer: string;
  /** Inner factor, e.g. "class", or "" when not nested. */
  inner: string;
  op: "/" | ":";
}

/** Split a grouping expression into builder parts; null when it is more complex than `a`, `a/b` or `a:b`. */
export function splitGroup(group: string): GroupParts | null {
  let tokens: Token[];
  try {
    tokens = tokenize(group);
  } catch {
    return null;
  }
  const [a, op, b] = tokens;
  if (tokens.length === 1 && a?.kind === "ident")
    return { outer: unquote(a.text), inner: "", op: "/" };
  if (
    tokens.length === 3 &&
    a?.kind === "ident" &&
    b?.kind === "ident" &&
    op?.kind === "op" &&
    (op.text === "/" || op.text === ":")
  ) {
    return { outer: unquote(a.text), inner: unquote(b.text), op: op.text };
  }
  return null;
}

/** Build a grouping expression from builder parts. */
export function joinGroup(parts: GroupParts): string {
  const outer = quoteName(parts.outer);
  return parts.inner ? `${outer}${parts.op}${quoteName(parts.inner)}` : outer;
}

export function emptyState(response = "y"): FormulaState {
  return { response, fixed: [], intercept: true, random: [] };
}
