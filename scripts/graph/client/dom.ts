/// <reference lib="dom" />
/** Tiny DOM helpers: every text goes in through textContent, never as HTML. */

export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing element #${id}`);
  return node as T;
}

const KEYWORDS = new Set(
  (
    "select from where join left right inner outer full cross on using group by order having limit offset union all distinct as with " +
    "case when then else end and or not in is null like ilike between exists create table view replace insert into values update set " +
    "delete drop if cascade alter add column primary key references default cast over partition window rows range preceding following " +
    "current row asc desc nulls first last true false coalesce count sum min max avg md5 date timestamp interval extract lateral " +
    "qualify merge matched begin commit grant usage schema external database iam_role"
  ).split(" "),
);

/** A <code> with SQL keywords, strings, numbers and comments in spans (for colour). */
export function highlightSql(sql: string): HTMLElement {
  const code = el("code");
  const token = /(--[^\n]*|\/\*[\s\S]*?\*\/)|('(?:[^']|'')*')|("(?:[^"]|"")*")|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)|(\s+|[^\sA-Za-z0-9_'"-]+|[\s\S])/g;
  let match: RegExpExecArray | null;
  let plain = "";
  const flush = () => {
    if (plain) code.append(document.createTextNode(plain));
    plain = "";
  };
  const span = (cls: string, text: string) => {
    flush();
    code.append(el("span", { class: cls, text }));
  };
  while ((match = token.exec(sql))) {
    const [text, comment, str, ident, num, word] = match;
    if (comment) span("tok-comment", text);
    else if (str) span("tok-string", text);
    else if (ident) span("tok-ident", text);
    else if (num) span("tok-number", text);
    else if (word && KEYWORDS.has(word.toLowerCase())) span("tok-keyword", text);
    else plain += text;
  }
  flush();
  return code;
}
