// DOM helpers of the console: everything is put into the page as text (textContent / text
// nodes), never as HTML; the page's CSP forbids inline scripts besides.
export const $ = (id) => document.getElementById(id);

export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

// Label/value rows of a <dl>; empty values are left out.
export function facts(target, rows) {
  clear(target);
  for (const [label, value] of rows) {
    if (value === null || value === undefined || value === "") continue;
    target.append(el("dt", { text: label }), el("dd", { text: value }));
  }
}

export function options(select, items, selected) {
  clear(select);
  for (const [value, text] of items) select.append(el("option", { value, text }));
  if (selected !== undefined) select.value = selected;
}
