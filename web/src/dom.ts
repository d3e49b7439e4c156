/**
 * DOM helpers. Everything that reaches the page from the server or a file is
 * untrusted, so these only ever set text (createTextNode), attributes
 * (setAttribute) and event listeners: nothing here parses HTML. Links may only
 * point at routes of this app (`#/…`), which callers build with `route()`.
 */

export type Child = Node | string | number | null | undefined | false;
export type Children = (Child | Child[])[];
type Handler = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | null | undefined | Handler>;

/**
 * `el('a', { href: route('files', key), class: 'x', onclick: fn }, 'text', child)`.
 * Attribute values go through setAttribute; `false`, `null` and `undefined`
 * leave the attribute out, `true` sets it empty; `on<event>` adds a listener.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Children): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === 'function') {
      if (!name.startsWith('on')) throw new Error(`attribute ${name} cannot be a function`);
      node.addEventListener(name.slice(2), value);
      continue;
    }
    if (value === false || value === null || value === undefined) continue;
    const text = value === true ? '' : String(value);
    if (name === 'href' && !text.startsWith('#/')) throw new Error('links must be app routes (#/…)');
    if (/^on/i.test(name) || name === 'style' || name === 'srcdoc') throw new Error(`attribute ${name} is not allowed`);
    node.setAttribute(name, text);
  }
  append(node, ...children);
  return node;
}

/** Appends children as nodes or text nodes (never parsed as HTML). */
export function append(parent: Node, ...children: Children): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces everything in `parent` with `children`. */
export function replace(parent: Element, ...children: Children): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** An app link: `route('files', 'orders/a b.csv')` → `#/files/orders/a%20b.csv`, every segment encoded. */
export function route(...segments: string[]): string {
  return `#/${segments
    .flatMap((s) => s.split('/'))
    .map(encodeURIComponent)
    .join('/')}`;
}

/** A link to a route whose path is given whole; only the segments are encoded. */
export function link(href: string, text: string, attrs: Attrs = {}): HTMLAnchorElement {
  return el('a', { ...attrs, href }, text);
}

export interface Column<T> {
  label: string;
  /** Right-aligned (numbers). */
  num?: boolean;
  /** Kept on one line (dates). */
  nowrap?: boolean;
  cell: (row: T) => Child | Child[];
}

function cellClass(c: { num?: boolean; nowrap?: boolean }): string | null {
  return [c.num ? 'num' : '', c.nowrap ? 'nowrap' : ''].join(' ').trim() || null;
}

/** A table from column definitions; `rowAttrs` sets attributes on each `<tr>`. */
export function table<T>(columns: Column<T>[], rows: T[], opts: { attrs?: Attrs; rowAttrs?: (row: T) => Attrs } = {}): HTMLTableElement {
  return el(
    'table',
    opts.attrs ?? null,
    el('thead', null, el('tr', null, ...columns.map((c) => el('th', { class: cellClass(c) }, c.label)))),
    el('tbody', null, ...rows.map((row) => el('tr', opts.rowAttrs?.(row) ?? null, ...columns.map((c) => el('td', { class: cellClass(c) }, c.cell(row)))))),
  );
}

/** A muted note for empty states. */
export function empty(text: string): HTMLElement {
  return el('p', { class: 'empty' }, text);
}

/** An error box, its message as text. */
export function errorBox(message: string): HTMLElement {
  return el('div', { class: 'error-box', role: 'alert' }, message);
}

/** A labelled section with a heading. */
export function section(title: string, ...children: Children): HTMLElement {
  return el('section', { class: 'card' }, el('h2', null, title), ...children);
}

/** A small state badge (`done`, `failed`, …), colored by its class. */
export function badge(state: string, attrs: Attrs = {}): HTMLElement {
  return el('span', { ...attrs, class: `badge state-${state.replace(/[^a-z_-]/gi, '')}` }, state);
}

/** Key/value pairs in a definition list. */
export function facts(pairs: [string, Child | Child[]][]): HTMLElement {
  return el('dl', { class: 'facts' }, ...pairs.map(([k, v]) => el('div', null, el('dt', null, k), el('dd', null, v))));
}
