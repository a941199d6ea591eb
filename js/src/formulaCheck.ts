// The formula language's rules, as the Python parser (mixwidget/formula.py) applies them: the
// formula meaning of ~ + - * / : ^ | %in% over the tree of formulaExpression.ts. The known
// functions come from Python's registry (formulaRegistry.json, written by
// `python -m mixwidget.formula.transforms`), so both sides accept and reject the same formulas;
// tests/formula_cases.json is run by both test suites.

import {
  deparseNode,
  FormulaSyntaxError,
  FUNCTIONS,
  type FunctionSpec,
  findFunction,
  LIMITS,
  type Node,
  Parser,
  quoteColumn,
  type Tok,
} from "./formulaExpression";

export { FormulaSyntaxError, FUNCTIONS, quoteColumn } from "./formulaExpression";

// -- formula meaning -------------------------------------------------------------------------
type Terms = Map<string, string[]>; // key: sorted variables joined; value: the term's variables

interface Rhs {
  terms: Terms;
  intercept: boolean | null;
  random: RandomText[]; // expanded random terms
  offsets: number;
}

/** An expanded random term: what makes it the same as another, and how Python prints it. */
interface RandomText {
  key: string;
  text: string;
}

/** A variable or interaction as Python's _label writes it (odd column names in backticks). */
function label(term: string): string {
  return term
    .split(":")
    .map((v) => (v.includes("(") ? v : quoteColumn(v)))
    .join(":");
}

/** Python's RandomTerm.text: `(1 | g)`, `(x | g)`, `(x - 1 | g)`, `(0 + x + z | g)`. */
function randomText(group: string, intercept: boolean, slopes: string[]): string {
  let lhs: string;
  if (!slopes.length) lhs = intercept ? "1" : "0";
  else {
    const body = slopes.map(label).join(" + ");
    lhs = intercept ? body : slopes.length > 1 ? `0 + ${body}` : `${body} - 1`;
  }
  return `(${lhs} | ${label(group)})`;
}

function key(vars: string[]): string {
  return [...vars].sort().join("\u0000");
}

function isLiteral(node: Node): boolean {
  return node.t === "name" && !node.quoted && (node.name === "TRUE" || node.name === "FALSE");
}

class Reader {
  readonly kinds = new Map<string, boolean>(); // label -> is a plain column

  constructor(readonly text: string) {}

  err(message: string, node: Node | null): FormulaSyntaxError {
    return new FormulaSyntaxError(message, node ? node.pos : null);
  }

  checkCall(node: Node & { t: "call" }, atTop: boolean, isArg: boolean): FunctionSpec {
    const where = ` at character ${node.pos + 1}`;
    let f: FunctionSpec | undefined;
    try {
      f = findFunction(node.func, node.pos);
    } catch (err) {
      if (err instanceof FormulaSyntaxError) throw this.err(err.message, node);
      throw err;
    }
    if (!f) {
      const known = [...FUNCTIONS.values()]
        .filter((spec) => spec.where !== "argument")
        .map((spec) => spec.name)
        .sort()
        .join(", ");
      throw this.err(`unknown function '${node.func}'${where}; use one of ${known}`, node);
    }
    bind(f, node, this);
    if (f.where === "formula") {
      throw this.err(
        `${node.func}() can only be a term of the formula itself, e.g. y ~ x + ${deparseNode(node)}`,
        node,
      );
    }
    if (f.where === "term" && !atTop) {
      throw this.err(
        `${node.func}() makes a model variable of its own; use ${deparseNode(node)} as a term, not inside another expression`,
        node,
      );
    }
    if (f.where === "argument" && !isArg) {
      throw this.err(
        `${node.func}() makes a list of numbers for another function's argument, e.g. bs(x, knots = c(2, 5))${where}; it is not a variable`,
        node,
      );
    }
    return f;
  }

  checkCalls(expr: Node, top: boolean): void {
    const stack: [Node, boolean, boolean][] = [[expr, top, false]];
    const compared = new Set<Node>(); // text compared with == or != (Variety == "Victory") is allowed too
    while (stack.length) {
      const [node, atTop, isArg] = stack.pop() as [Node, boolean, boolean];
      if (node.t === "call") {
        const f = this.checkCall(node, atTop, isArg);
        for (const [arg, symbol] of callArguments(node, f)) {
          if (symbol && arg.t !== "name" && arg.t !== "str") {
            throw this.err(
              `${node.func}(): ${deparseNode(arg)} must be a name such as contr.sum`,
              arg,
            );
          }
          // text and c(...) may be arguments of the functions that make variables
          if (!symbol) stack.push([arg, false, f.where === "term"]);
        }
      } else if (node.t === "str" && !isArg && !compared.has(node)) {
        throw this.err(
          `text in quotes (${deparseNode(node)}) can only be a function's argument, e.g. relevel(Variety, "Victory"), or compared in I(Variety == "Victory") (character ${node.pos + 1})`,
          node,
        );
      } else if (node.t === "op") {
        if (node.ops.every((op) => op === "==" || op === "!=")) {
          for (const o of node.operands) compared.add(o);
        }
        for (const o of node.operands) stack.push([o, false, false]);
      } else if (node.t === "unary") stack.push([node.operand, false, false]);
      else if (node.t === "paren") stack.push([node.inner, false, false]);
    }
  }

  variable(node: Node): string {
    if (node.t === "name" && node.name === "." && !node.quoted) {
      throw this.err("'.' (every other column) is not supported; list the columns you mean", node);
    }
    if (isLiteral(node)) {
      throw this.err(
        `${deparseNode(node)} is a constant, not a column (character ${node.pos + 1})`,
        node,
      );
    }
    let label: string;
    if (node.t === "name") label = node.name;
    else {
      this.checkCalls(node, true);
      label = deparseNode(node);
    }
    const plain = node.t === "name";
    const known = this.kinds.get(label);
    if (known !== undefined && known !== plain) {
      throw this.err(
        `'${label}' is both a column name and an expression here; rename the column`,
        node,
      );
    }
    this.kinds.set(label, plain);
    return label;
  }

  rhs(node: Node): Rhs {
    if (node.t === "op" && (node.ops[0] === "+" || node.ops[0] === "-")) {
      const out = empty();
      this.add(out, this.rhs(node.operands[0] as Node), 1, node.operands[0] as Node);
      node.ops.forEach((op, i) => {
        const operand = node.operands[i + 1] as Node;
        this.add(out, this.rhs(operand), op === "+" ? 1 : -1, operand);
      });
      return out;
    }
    if (node.t === "unary" && (node.op === "-" || node.op === "+")) {
      const out = empty();
      this.add(out, this.rhs(node.operand), node.op === "-" ? -1 : 1, node.operand);
      return out;
    }
    if (node.t === "str") {
      throw this.err(
        `text in quotes (${deparseNode(node)}) can only be a function's argument, e.g. relevel(Variety, "Victory"), or compared in I(Variety == "Victory") (character ${node.pos + 1})`,
        node,
      );
    }
    if (node.t === "num") {
      if (node.value === 0 || node.value === 1) return { ...empty(), intercept: node.value === 1 };
      throw this.err(
        `a number (${node.source}) can only be 0 or 1 here (character ${node.pos + 1})`,
        node,
      );
    }
    if (node.t === "paren") {
      const inner = node.inner;
      if (inner.t === "op" && (inner.ops[0] === "|" || inner.ops[0] === "||")) {
        return { ...empty(), random: this.randomTerm(inner, node) };
      }
      return this.rhs(inner);
    }
    if (node.t === "op" && (node.ops[0] === "*" || node.ops[0] === "/")) return this.product(node);
    if (node.t === "op" && (node.ops[0] === ":" || node.ops[0] === "%in%")) {
      let terms = this.factorTerms(node.operands[0] as Node);
      for (const operand of node.operands.slice(1)) {
        terms = this.interact(terms, this.factorTerms(operand));
      }
      return { ...empty(), terms };
    }
    if (node.t === "op" && node.ops[0] === "^") return this.power(node);
    if (node.t === "op" && (node.ops[0] === "|" || node.ops[0] === "||")) {
      throw this.err(
        `a random term needs parentheses, e.g. (${deparseNode(node)}) (character ${node.pos + 1})`,
        node,
      );
    }
    if (node.t === "op" && node.ops[0] === "~") {
      throw this.err(`more than one '~' (at character ${node.pos + 1})`, node);
    }
    if (node.t === "op" || node.t === "unary") {
      throw this.err(
        `${deparseNode(node)} is arithmetic, which a formula does not do outside I(); write I(${deparseNode(node)}) (character ${node.pos + 1})`,
        node,
      );
    }
    const spec = node.t === "call" ? transformOf(node.func) : undefined;
    if (node.t === "call" && spec?.where === "formula") {
      const f = spec;
      this.checkCalls(node.args[0] ?? node, false);
      bind(f, node, this);
      this.variable(node.args[0] as Node);
      return { ...empty(), offsets: 1 };
    }
    const label = this.variable(node);
    return { ...empty(), terms: new Map([[key([label]), [label]]]) };
  }

  add(out: Rhs, part: Rhs, sign: number, node: Node): void {
    if (sign > 0) {
      for (const [k, t] of part.terms) if (!out.terms.has(k)) out.terms.set(k, t);
      this.checkCount(out.terms, node);
      out.random.push(...part.random);
      out.offsets += part.offsets;
      if (part.intercept !== null) out.intercept = part.intercept;
      return;
    }
    const at = `(character ${node.pos + 1})`;
    if (part.random.length) throw this.err(`a random term cannot be subtracted ${at}`, node);
    if (part.offsets) throw this.err(`an offset cannot be subtracted ${at}`, node);
    for (const k of part.terms.keys()) out.terms.delete(k);
    if (part.intercept !== null) out.intercept = !part.intercept;
  }

  factorTerms(node: Node): Terms {
    if (node.t === "num") {
      throw this.err(`a number cannot be part of an interaction (character ${node.pos + 1})`, node);
    }
    const part = this.rhs(node);
    const at = `(character ${node.pos + 1})`;
    if (part.random.length) {
      throw this.err(`a random term cannot be part of an interaction ${at}`, node);
    }
    if (part.offsets) throw this.err(`an offset cannot be part of an interaction ${at}`, node);
    return part.terms;
  }

  interact(a: Terms, b: Terms): Terms {
    if (a.size * b.size > 50 * LIMITS.terms) {
      throw this.err(
        `the formula expands to more than ${LIMITS.terms} terms; the limit is ${LIMITS.terms}`,
        null,
      );
    }
    const out: Terms = new Map();
    for (const ta of a.values()) {
      for (const tb of b.values()) {
        const term = [...new Set([...ta, ...tb])];
        const k = key(term);
        if (!out.has(k)) out.set(k, term);
      }
    }
    return out;
  }

  checkCount(terms: Terms, node: Node): void {
    if (terms.size > LIMITS.terms) {
      throw this.err(
        `the formula expands to more than ${LIMITS.terms} terms; the limit is ${LIMITS.terms}`,
        node,
      );
    }
  }

  product(node: Node & { t: "op" }): Rhs {
    let terms = this.factorTerms(node.operands[0] as Node);
    node.ops.forEach((op, i) => {
      const right = this.factorTerms(node.operands[i + 1] as Node);
      const both: Terms = new Map(terms);
      if (op === "*") {
        for (const [k, t] of right) if (!both.has(k)) both.set(k, t);
        for (const [k, t] of this.interact(terms, right)) if (!both.has(k)) both.set(k, t);
      } else {
        const left = [...new Set([...terms.values()].flat())];
        for (const [k, t] of this.interact(new Map([[key(left), left]]), right)) {
          if (!both.has(k)) both.set(k, t);
        }
      }
      terms = both;
      this.checkCount(terms, node);
    });
    return { ...empty(), terms };
  }

  power(node: Node & { t: "op" }): Rhs {
    if (node.operands.length > 2)
      throw this.err(
        `write one power at a time: ${deparseNode(node)} (character ${node.pos + 1})`,
        node,
      );
    const [base, exponent] = node.operands as [Node, Node];
    if (exponent.t !== "num" || exponent.value < 1 || !Number.isInteger(exponent.value)) {
      throw this.err(
        `the power of a term must be a whole number such as 2, not ${deparseNode(exponent)} (character ${exponent.pos + 1}); for arithmetic write I(${deparseNode(node)})`,
        exponent,
      );
    }
    const terms = this.factorTerms(base);
    let result: Terms = new Map(terms);
    for (let k = 1; k < Math.min(exponent.value, terms.size); k++) {
      const next: Terms = new Map(result);
      for (const [kk, t] of this.interact(result, terms)) if (!next.has(kk)) next.set(kk, t);
      result = next;
      this.checkCount(result, node);
    }
    return { ...empty(), terms: result };
  }

  randomTerm(bar: Node & { t: "op" }, paren: Node): RandomText[] {
    const at = `(character ${paren.pos + 1})`;
    if (bar.ops.length > 1) {
      throw this.err(`one '|' per random term: ${deparseNode(paren)} ${at}`, paren);
    }
    const [lhsNode, groupNode] = bar.operands as [Node, Node];
    const lhs = this.rhs(lhsNode);
    if (lhs.random.length) {
      throw this.err(`nested parentheses are not allowed inside a random term ${at}`, paren);
    }
    if (lhs.offsets) throw this.err(`an offset cannot be a random slope ${at}`, paren);
    const intercept = lhs.intercept ?? true;
    const slopes = [...lhs.terms.values()]
      .map((t, i) => ({ t, i }))
      .sort((a, b) => a.t.length - b.t.length || a.i - b.i)
      .map(({ t }) => t.join(":"));
    if (!intercept && slopes.length === 0) {
      throw this.err("a random term needs an intercept or a slope (it has neither)", paren);
    }
    const { parts, seps } = this.groupParts(groupNode);
    checkRepeatedGroup(parts, seps, paren);
    const out: RandomText[] = [];
    for (const g of expandGroups(parts, seps)) {
      // The same grouping variables (in any order) with the same columns make the same term.
      const gKey = g.split(":").sort().join(":");
      const sKey = (list: string[]) =>
        list
          .map((s) => s.split(":").sort().join(":"))
          .sort()
          .join("+");
      if (bar.ops[0] === "||") {
        if (intercept) out.push({ key: `${gKey}|1|`, text: randomText(g, true, []) });
        for (const s of slopes) {
          out.push({ key: `${gKey}|0|${sKey([s])}`, text: randomText(g, false, [s]) });
        }
      } else {
        out.push({
          key: `${gKey}|${intercept ? 1 : 0}|${sKey(slopes)}`,
          text: randomText(g, intercept, slopes),
        });
      }
    }
    return out;
  }

  groupParts(node: Node): { parts: string[]; seps: string[] } {
    if (node.t === "name") return { parts: [this.variable(node)], seps: [] };
    if (node.t === "op" && node.ops.every((o) => o === "/" || o === ":")) {
      const first = this.groupParts(node.operands[0] as Node);
      node.ops.forEach((op, i) => {
        const p = this.groupParts(node.operands[i + 1] as Node);
        first.parts.push(...p.parts);
        first.seps.push(op, ...p.seps);
      });
      return first;
    }
    if (node.t === "call") {
      throw this.err(
        `a grouping factor must be a column, not a function call (character ${node.pos + 1}); make the column first, e.g. data['g'] = ...`,
        node,
      );
    }
    throw this.err(
      `expected a column name as grouping factor, found ${deparseNode(node)} (character ${node.pos + 1})`,
      node,
    );
  }
}

function empty(): Rhs {
  return { terms: new Map(), intercept: null, random: [], offsets: 0 };
}

/** The registry's function of a call; undefined for a wrong package (the call's check reports it). */
function transformOf(func: string): FunctionSpec | undefined {
  try {
    return findFunction(func);
  } catch {
    return undefined;
  }
}

/** A call's arguments with whether each is a name that is not a column (C()'s contrasts). */
function callArguments(node: Node & { t: "call" }, f: FunctionSpec): [Node, boolean][] {
  const symbols = new Set(f.symbols);
  const out: [Node, boolean][] = node.args.map((a, k) => [a, symbols.has(f.params[k] ?? "")]);
  for (const [k, v] of node.keywords) out.push([v, symbols.has(k)]);
  return out;
}

/** Column names an expression reads (not TRUE/FALSE, not C()'s contr.sum), as Python's column_names. */
export function expressionColumns(expr: Node): { name: string; pos: number }[] {
  const out: { name: string; pos: number }[] = [];
  const stack: Node[] = [expr];
  while (stack.length) {
    const node = stack.pop() as Node;
    if (node.t === "name" && !isLiteral(node)) out.push({ name: node.name, pos: node.pos });
    else if (node.t === "call") {
      let f: FunctionSpec | undefined;
      try {
        f = findFunction(node.func);
      } catch {
        f = undefined; // a wrong package is reported by the checker; its arguments still name columns
      }
      const args: [Node, boolean][] = f
        ? callArguments(node, f)
        : [...node.args, ...node.keywords.map(([, v]) => v)].map((a) => [a, false]);
      for (const [a, symbol] of args.reverse()) if (!symbol) stack.push(a);
    } else if (node.t === "op") for (const o of [...node.operands].reverse()) stack.push(o);
    else if (node.t === "unary") stack.push(node.operand);
    else if (node.t === "paren") stack.push(node.inner);
  }
  return out;
}

function bind(f: FunctionSpec, node: Node & { t: "call" }, reader: Reader): void {
  if (f.params.length === 1 && f.params[0] === "...") {
    if (node.keywords.length) {
      throw reader.err(`${f.name}() takes numbers only, e.g. ${f.name}(2, 5)`, node);
    }
    return;
  }
  if (node.args.length > f.params.length) {
    throw reader.err(
      `${f.name}() takes at most ${f.params.length} argument${f.params.length > 1 ? "s" : ""} (${f.params.join(", ")}); ${deparseNode(node)} gives ${node.args.length}`,
      node,
    );
  }
  const given = new Set(f.params.slice(0, node.args.length));
  for (const [k] of node.keywords) {
    if (!f.params.includes(k)) {
      throw reader.err(
        `${f.name}() has no argument '${k}'; its arguments are ${f.params.join(", ")}`,
        node,
      );
    }
    if (given.has(k)) {
      throw reader.err(`${f.name}(): argument '${k}' is given twice in ${deparseNode(node)}`, node);
    }
    given.add(k);
  }
  const missing = f.params.slice(0, f.required).filter((p) => !given.has(p));
  if (missing.length) {
    throw reader.err(
      `${f.name}() needs ${missing.join(" and ")}, e.g. ${f.name}(x${f.required > 1 ? ", 2" : ""})`,
      node,
    );
  }
}

/** Refuse a grouping factor that names a variable twice (g/g, g:g, a/b/a), as Python does. */
function checkRepeatedGroup(parts: string[], seps: string[], paren: Node): void {
  const seen = new Set<string>();
  parts.forEach((part, k) => {
    if (!seen.has(part)) {
      seen.add(part);
      return;
    }
    const upto =
      parts
        .slice(0, k)
        .map((p, i) => p + (seps[i] ?? ""))
        .join("") + part;
    let text = deparseNode(paren);
    if (text.length > 60) text = `${text.slice(0, 56)} ...)`;
    const g = quoteColumn(part);
    const nested = seps.includes("/")
      ? `, so ${text} expands to one term twice, whose variances cannot be told apart`
      : "";
    throw new FormulaSyntaxError(
      `the grouping factor ${upto} in ${text} names ${g} twice (character ${paren.pos + 1}): ${g}:${g} is the same factor as ${g}${nested}; name each grouping variable once`,
      paren.pos,
    );
  });
}

function expandGroups(parts: string[], seps: string[]): string[] {
  const chunks: string[][] = [[parts[0] as string]];
  seps.forEach((sep, i) => {
    const part = parts[i + 1] as string;
    if (sep === "/") chunks.push([part]);
    else (chunks[chunks.length - 1] as string[]).push(part);
  });
  if (chunks.length === 1) return [(chunks[0] as string[]).join(":")];
  const out: string[] = [];
  for (let k = chunks.length; k > 0; k--) {
    out.push(
      chunks
        .slice(0, k)
        .reverse()
        .map((c) => c.join(":"))
        .join(":"),
    );
  }
  return out;
}

function checkBars(tokens: Tok[]): void {
  tokens.forEach((t, k) => {
    if (t.kind !== "op" || (t.text !== "|" && t.text !== "||")) return;
    const before = tokens[k - 1];
    const after = tokens[k + 1] as Tok;
    if (before && before.kind === "op" && before.text === "(") {
      throw new FormulaSyntaxError(
        `empty random term: put 1 (an intercept) or a variable before '${t.text}' at character ${t.pos + 1}`,
        t.pos,
      );
    }
    if (after.kind === "op" && after.text === ")") {
      throw new FormulaSyntaxError(
        `missing grouping factor after '${t.text}' at character ${after.pos + 1}`,
        after.pos,
      );
    }
  });
}

/**
 * Check a formula as mixwidget's Python parser does; returns R's printing of it (as Python's
 * ModelFormula.canonical), or throws FormulaSyntaxError.
 */
export function checkSyntax(text: string): string {
  return readFormula(text).canonical;
}

/**
 * Read a formula once: check it as Python does (throws FormulaSyntaxError with Python's message
 * and position) and return R's printing of it with the tokens it was read from, so the builder
 * splits the same tokens into its parts.
 */
export function readFormula(text: string): { canonical: string; tokens: Tok[] } {
  if (text.trim() === "") {
    throw new FormulaSyntaxError(
      "the formula is empty; write it as response ~ terms, e.g. like ~ sex + (1 | school)",
      null,
    );
  }
  const parser = new Parser(text);
  const tildes = parser.tokens.filter((t) => t.kind === "op" && t.text === "~");
  if (tildes.length === 0) {
    throw new FormulaSyntaxError(
      "missing '~': write the formula as response ~ terms, e.g. like ~ sex + (1 | school)",
      0,
    );
  }
  const second = tildes[1];
  if (second) {
    throw new FormulaSyntaxError(
      `more than one '~' (the second is at character ${second.pos + 1})`,
      second.pos,
    );
  }
  const first = parser.tokens[0] as Tok;
  if (first.kind === "op" && first.text === "~") {
    throw new FormulaSyntaxError(
      "missing response: put the column to model before '~', e.g. like ~ sex",
      0,
    );
  }
  checkBars(parser.tokens);
  const tree = parser.parse();
  if (!(tree.t === "op" && tree.ops.length === 1 && tree.ops[0] === "~")) {
    throw new FormulaSyntaxError(
      "the response must be one variable or expression; write it before '~'",
      tree.pos,
    );
  }
  const reader = new Reader(text);
  const [lhs, rhs] = tree.operands as [Node, Node];
  if (lhs.t === "num" || isLiteral(lhs)) {
    throw new FormulaSyntaxError(
      "the response must be a column or an expression of columns, not a number",
      lhs.pos,
    );
  }
  if (lhs.t !== "name" && lhs.t !== "call") {
    throw new FormulaSyntaxError(
      "the response must be one variable or expression, e.g. log(y) (use I(...) for arithmetic)",
      lhs.pos,
    );
  }
  reader.variable(lhs);
  const terms = reader.rhs(rhs);
  const seen = new Map<string, string>();
  for (const r of terms.random) {
    const first = seen.get(r.key);
    if (first !== undefined) {
      const same = first === r.text ? "" : ` (as ${first})`;
      throw new FormulaSyntaxError(
        `the random term ${r.text} appears twice${same}: the same grouping factor with the same columns cannot be estimated twice; remove one`,
        null,
      );
    }
    seen.set(r.key, r.text);
  }
  return { canonical: deparseNode(tree), tokens: parser.tokens };
}
