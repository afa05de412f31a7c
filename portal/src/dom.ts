// A few lines instead of a framework: elements are built with h(), and data
// only ever becomes text (textContent, attributes), never markup, so nothing
// a tenant or a citizen typed can run in another citizen's browser.
export type Child = Node | string | number | null | undefined | false | Child[];
type Handler = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | Handler | null | undefined>;

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

function setAttrs(element: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.replace(/^on/, "").toLowerCase(), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
}

/** An HTML element: h("a", { href: "#/" }, "Inicio"). `on<event>` attributes add listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttrs(element, attrs);
  append(element, children);
  return element;
}

/** An SVG element (maps, charts): svg("circle", { cx: 1, cy: 2, r: 3 }). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttrs(element, attrs);
  append(element, children);
  return element;
}

/** A fragment of several nodes, for views that return more than one element. */
export function fragment(...children: Child[]): DocumentFragment {
  const result = document.createDocumentFragment();
  append(result, children);
  return result;
}

/** A link to download a dataset, with its format said in words and in the link. */
export function downloadLink(href: string, label: string, format: "CSV" | "JSON"): HTMLElement {
  return h("a", { href, class: "download", download: "" }, `${label} (${format})`);
}

/** A labelled progress bar (0–100). */
export function progressBar(percent: number, label: string): HTMLElement {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  // Through the CSSOM: the portal's CSP (style-src 'self') blocks style attributes.
  const fill = h("div", { class: "progress-fill" });
  fill.style.width = `${value}%`;
  return h(
    "div",
    { class: "progress" },
    h(
      "div",
      {
        class: "progress-track",
        role: "progressbar",
        "aria-valuemin": 0,
        "aria-valuemax": 100,
        "aria-valuenow": value,
        "aria-label": label,
      },
      fill,
    ),
    h("span", { class: "progress-value" }, `${value} %`),
  );
}

/**
 * A table that may scroll sideways on a phone inside its own box (.table-wrap),
 * reachable and scrollable by keyboard: a focusable, labelled region.
 */
export function scrollTable(label: string, table: HTMLTableElement): HTMLElement {
  return h("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: 0 }, table);
}
