// The one way text reaches markup outside lit-html. lit-html bindings (`${value}` in html``) already
// insert text, never markup; what remains is libraries that take HTML strings (Leaflet's tooltips,
// popups and attribution). For those: a text node, or a string escaped here. Never concatenate user
// text (addresses, names, references, notes) into an HTML string any other way.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `value` as HTML text: safe in element content and in quoted attribute values. */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

/**
 * Content for a library that accepts "HTML string or DOM node": a function giving a fresh text node each
 * time it is asked (Leaflet calls it on every opening), so the text is shown literally whatever it holds.
 */
export function textContent(value) {
  const text = String(value ?? '');
  return () => document.createTextNode(text);
}
