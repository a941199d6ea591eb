// R expressions as formulas hold them, read as mixwidget/expression.py reads them: tokens, a tree
// with R's precedence (chains of one operator kept flat), R's printing of it, and the limits.
// R's reserved words and the limits come from Python's registry (formulaRegistry.json).

import registry from "./formulaRegistry.json";

export interface FunctionSpec {
  name: string;
  params: string[];
  required: number;
  where: string;
  /** R's package of the function (`splines::ns`). */
  package: string;
  /** Parameters that take a name that is not a column (`C(x, contr.sum)`). */
  symbols: string[];
  summary: string;
}

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(
  (registry.functions as FunctionSpec[]).map((f) => [f.name, f]),
);
export const RESERVED = new Set<string>(registry.reserved);

/** The registry's function for a call's name, also written with its R package (`splines::ns`), as Python's find_transform. */
export function findFunction(func: string, pos: number | null = null): FunctionSpec | undefined {
  const cut = func.lastIndexOf("::");
  const pkg = cut < 0 ? "" : func.slice(0, cut);
  const name = cut < 0 ? func : func.slice(cut + 2);
  const f = FUNCTIONS.get(name);
  if (f === undefined || pkg === "" || pkg === f.package) return f;
  const where = pos === null ? "" : ` at character ${pos + 1}`;
  throw new FormulaSyntaxError(
    `${func}: ${name}() is in R's package ${f.package}, not ${pkg}; write ${f.package}::${name} or ${name}${where}`,
    pos,
  );
}
export const LIMITS = registry.limits;

/** A formula problem; `position` is 0-based, or null when not tied to one place. */
export class FormulaSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number | null,
  ) {
    super(message);
  }
}

export interface Tok {
  kind: "num" | "name" | "quoted" | "str" | "op" | "end";
  text: string;
  pos: number;
}

const TOKEN =
  /(?<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?L?)|(?<name>`[^`]*`|(?:[\p{L}_]|\.(?!\d))[\p{L}\p{N}_.]*)|(?<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?<op>%[^%\s]*%|::|\|\||&&|\*\*|==|!=|<=|>=|[~+\-*/:|()^,=<>!&])/uy;

/** Split formula text into tokens, as Python's tokenize (the page's only formula tokenizer). */
export function tokenize(text: string): Tok[] {
  const tokens: Tok[] = [];
  let pos = 0;
  while (pos < text.length) {
    if (/\s/u.test(text.charAt(pos))) {
      pos++;
      continue;
    }
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m?.groups) {
      const ch = text.charAt(pos);
      let hint = "";
      if (ch === "`") hint = "; a name in backticks needs a closing backtick";
      else if (ch === '"' || ch === "'") hint = "; text in quotes needs a closing quote";
      throw new FormulaSyntaxError(
        `unexpected character '${ch}' at character ${pos + 1}${hint}`,
        pos,
      );
    }
    const g = m.groups;
    if (g.num !== undefined) tokens.push({ kind: "num", text: g.num, pos });
    else if (g.str !== undefined) {
      tokens.push({ kind: "str", text: g.str.slice(1, -1).replace(/\\(.)/gu, "$1"), pos });
    } else if (g.name !== undefined) {
      if (g.name.startsWith("`")) {
        if (g.name.length === 2)
          throw new FormulaSyntaxError(`empty name \`\` at character ${pos + 1}`, pos);
        tokens.push({ kind: "quoted", text: g.name.slice(1, -1), pos });
      } else tokens.push({ kind: "name", text: g.name, pos });
    } else {
      const op = g.op ?? "";
      if (op.startsWith("%") && op !== "%in%" && op !== "%%") {
        throw new FormulaSyntaxError(
          `unknown operator ${op} at character ${pos + 1}; use %in% or %%`,
          pos,
        );
      }
      tokens.push({ kind: "op", text: op, pos });
    }
    pos += m[0].length;
  }
  tokens.push({ kind: "end", text: "", pos: text.length });
  return tokens;
}

// -- the tree --------------------------------------------------------------------------------
export type Node =
  | { t: "num"; value: number; source: string; pos: number }
  | { t: "name"; name: string; quoted: boolean; pos: number }
  | { t: "str"; value: string; pos: number }
  | { t: "call"; func: string; args: Node[]; keywords: [string, Node][]; pos: number }
  | { t: "op"; ops: string[]; operands: Node[]; pos: number }
  | { t: "unary"; op: string; operand: Node; pos: number }
  | { t: "paren"; inner: Node; pos: number };

const SYNTACTIC = /^(?:(?:[\p{L}]|\.(?!\d))[\p{L}\p{N}_.]*|\.)$/u;

/** A column name as R prints it: backticks unless it is a syntactic name (as Python's quote_name). */
export function quoteColumn(name: string): string {
  return SYNTACTIC.test(name) && !RESERVED.has(name) ? name : `\`${name}\``;
}

/** Text as R's deparse prints it: in double quotes, with `"` and `\` escaped. */
export function quoteString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const TIGHT = new Set(["^", "/", ":", "%%"]);

function rNumber(value: number, source: string): string {
  if (source.endsWith("L")) return source;
  if (!Number.isFinite(value)) return "Inf";
  const g = Number(value.toPrecision(15));
  const fixed = String(g).includes("e") ? null : String(g);
  const [mant = "", exp = "0"] = g.toExponential().split("e");
  const e = Number(exp);
  const sci = `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  if (fixed !== null && fixed.length <= sci.length) return fixed;
  return sci;
}

/** R's printing of an expression (deparse), as Python's Expr.text(). */
export function deparseNode(node: Node): string {
  switch (node.t) {
    case "num":
      return rNumber(node.value, node.source);
    case "name":
      return !node.quoted && (node.name === "TRUE" || node.name === "FALSE")
        ? node.name
        : quoteColumn(node.name);
    case "str":
      return quoteString(node.value);
    case "call": {
      const parts = node.args.map(deparseNode);
      for (const [k, v] of node.keywords) parts.push(`${k} = ${deparseNode(v)}`);
      return `${node.func}(${parts.join(", ")})`;
    }
    case "op": {
      let out = deparseNode(node.operands[0] as Node);
      node.ops.forEach((op, i) => {
        out += TIGHT.has(op) ? op : ` ${op} `;
        out += deparseNode(node.operands[i + 1] as Node);
      });
      return out;
    }
    case "unary":
      return node.op + deparseNode(node.operand);
    case "paren":
      return `(${deparseNode(node.inner)})`;
  }
}

const LEVELS: string[][] = [
  ["~"],
  ["|", "||"],
  ["&", "&&"],
  ["==", "!=", "<", ">", "<=", ">="],
  ["+", "-"],
  ["*", "/"],
  ["%in%", "%%"],
  [":"],
];
const UNARY_NOT = LEVELS.length - 5;

export class Parser {
  readonly tokens: Tok[];
  i = 0;
  depth = 0;

  constructor(readonly text: string) {
    if (text.length > LIMITS.length) {
      throw new FormulaSyntaxError(
        `the formula is ${text.length.toLocaleString("en-US")} characters long; the limit is ${LIMITS.length.toLocaleString("en-US")} characters`,
        null,
      );
    }
    this.tokens = tokenize(text);
  }

  get tok(): Tok {
    return this.tokens[this.i] as Tok;
  }

  at(...ops: string[]): boolean {
    return this.tok.kind === "op" && ops.includes(this.tok.text);
  }

  err(message: string, pos: number | null = this.tok.pos): FormulaSyntaxError {
    return new FormulaSyntaxError(message, pos);
  }

  enter(pos: number): void {
    this.depth++;
    if (this.depth > LIMITS.depth) {
      throw this.err(
        `the formula nests more than ${LIMITS.depth} levels deep (parentheses, calls or signs)`,
        pos,
      );
    }
  }

  parse(): Node {
    const expr = this.binary(0);
    if (this.tok.kind !== "end") {
      if (this.at(")")) {
        throw this.err(
          `unbalanced parenthesis: ')' at character ${this.tok.pos + 1} has no matching '('`,
        );
      }
      throw this.err(`unexpected '${this.tok.text}' at character ${this.tok.pos + 1}`);
    }
    return expr;
  }

  binary(level: number): Node {
    if (level === LEVELS.length) return this.unaryMinus();
    if (level === UNARY_NOT && this.at("!")) {
      const t = this.tok;
      this.i++;
      this.enter(t.pos);
      const operand = this.binary(level);
      this.depth--;
      return { t: "unary", op: "!", operand, pos: t.pos };
    }
    const first = this.binary(level + 1);
    const ops: string[] = [];
    const operands = [first];
    while (this.at(...(LEVELS[level] as string[]))) {
      const op = this.tok.text;
      this.i++;
      if (this.tok.kind === "end" || this.at(")", ",")) {
        throw this.err(`expected a term after '${op}' at character ${this.tok.pos + 1}`);
      }
      ops.push(op);
      operands.push(this.binary(level + 1));
    }
    return ops.length ? { t: "op", ops, operands, pos: first.pos } : first;
  }

  unaryMinus(): Node {
    if (this.at("-", "+")) {
      const t = this.tok;
      this.i++;
      this.enter(t.pos);
      const operand = this.unaryMinus();
      this.depth--;
      return { t: "unary", op: t.text, operand, pos: t.pos };
    }
    return this.power();
  }

  power(): Node {
    const base = this.atom();
    if (!this.at("^", "**")) return base;
    const operands = [base];
    while (this.at("^", "**")) {
      this.i++;
      if (this.at("-", "+")) {
        const t = this.tok;
        this.i++;
        operands.push({ t: "unary", op: t.text, operand: this.atom(), pos: t.pos });
      } else operands.push(this.atom());
    }
    return { t: "op", ops: operands.slice(1).map(() => "^"), operands, pos: base.pos };
  }

  atPackage(): boolean {
    const next = this.tokens[this.i + 1];
    return next?.kind === "op" && next.text === "::";
  }

  /** `pkg::fun` as one function name (R's `splines::ns`); the call follows. */
  packageFunction(pkg: Tok): Tok {
    const name = this.tokens[this.i + 2] as Tok;
    const after = name.kind !== "end" ? this.tokens[this.i + 3] : name;
    if (name.kind !== "name" || !(after?.kind === "op" && after.text === "(")) {
      throw this.err(
        `${pkg.text}:: must be followed by a function call, e.g. splines::ns(x, df = 3) (character ${pkg.pos + 1})`,
        pkg.pos,
      );
    }
    this.i += 2;
    return { kind: "name", text: `${pkg.text}::${name.text}`, pos: pkg.pos };
  }

  atom(): Node {
    let t = this.tok;
    if (t.kind === "num") {
      this.i++;
      return { t: "num", value: Number(t.text.replace(/L$/, "")), source: t.text, pos: t.pos };
    }
    if (t.kind === "str") {
      this.i++;
      return { t: "str", value: t.text, pos: t.pos };
    }
    if (t.kind === "name" && this.atPackage()) t = this.packageFunction(t);
    if (t.kind === "name" || t.kind === "quoted") {
      this.i++;
      if (t.kind === "name" && RESERVED.has(t.text) && t.text !== "TRUE" && t.text !== "FALSE") {
        throw this.err(
          `'${t.text}' is a reserved word in R; write \`${t.text}\` (in backticks) for a column of that name`,
          t.pos,
        );
      }
      if (this.at("(")) {
        if (t.kind === "quoted") {
          throw this.err(
            `\`${t.text}\` is a column name, not a function (character ${t.pos + 1})`,
            t.pos,
          );
        }
        return this.call(t);
      }
      return { t: "name", name: t.text, quoted: t.kind === "quoted", pos: t.pos };
    }
    if (this.at("(")) {
      this.i++;
      this.enter(t.pos);
      if (this.at(")")) throw this.err(`empty parentheses at character ${t.pos + 1}`, t.pos);
      const inner = this.binary(0);
      this.close(t);
      this.depth--;
      return { t: "paren", inner, pos: t.pos };
    }
    if (t.kind === "end") {
      throw this.err(`expected a term before the end of the formula at character ${t.pos + 1}`);
    }
    throw this.err(`expected a term, found '${t.text}' at character ${t.pos + 1}`);
  }

  close(open: Tok): void {
    if (this.at(")")) {
      this.i++;
      return;
    }
    if (this.tok.kind === "end") {
      throw this.err(
        `unbalanced parenthesis: '(' at character ${open.pos + 1} is never closed`,
        open.pos,
      );
    }
    throw this.err(
      `expected ')' to close '(' at character ${open.pos + 1}, found '${this.tok.text}' at character ${this.tok.pos + 1}`,
    );
  }

  call(name: Tok): Node {
    const open = this.tok;
    this.i++;
    this.enter(name.pos);
    const args: Node[] = [];
    const keywords: [string, Node][] = [];
    while (!this.at(")")) {
      if (this.tok.kind === "end") {
        throw this.err(
          `unbalanced parenthesis: '(' at character ${open.pos + 1} is never closed`,
          open.pos,
        );
      }
      const next = this.tokens[this.i + 1];
      if (this.tok.kind === "name" && next?.kind === "op" && next.text === "=") {
        const key = this.tok.text;
        this.i += 2;
        keywords.push([key, this.binary(1)]);
      } else {
        if (keywords.length) {
          throw this.err(`in ${name.text}(): a named argument must come after the others`);
        }
        args.push(this.binary(1));
      }
      if (!this.at(",")) break;
      this.i++;
    }
    this.close(open);
    this.depth--;
    return { t: "call", func: name.text, args, keywords, pos: name.pos };
  }
}
