/** HTML that is safe to insert as it is: made only by {@link html} or {@link trustedHtml}. */
export class SafeHtml {
  /** @internal use {@link html} */
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML, in element content and in quoted attribute values alike: `&`, `<`, `>`,
 * `"` and `'` become entities.
 *
 * @example
 * escapeHtml('<b>Ann & "Bob"</b>'); // '&lt;b&gt;Ann &amp; &quot;Bob&quot;&lt;/b&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * A tagged template that escapes every interpolated value unless it is already {@link SafeHtml}
 * (the result of another `html` template): a template cannot forget to escape. Arrays are joined
 * after escaping each item.
 *
 * @example
 * html`<p>Hello ${name}</p>`; // name '<script>' gives '<p>Hello &lt;script&gt;</p>'
 */
export function html(strings: TemplateStringsArray, ...values: readonly unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += toHtml(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function toHtml(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(toHtml).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}
