import { html, type SafeHtml } from './html.js';

/**
 * Wraps a mail's HTML body in the document every mail shares: UTF-8, a title, and inline styles
 * only (mail clients drop `<style>` blocks and external sheets).
 */
export function htmlLayout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
</head>
<body style="margin:0;padding:24px;background:#f6f7f9;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328;">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px;">
${body}
</div>
</body>
</html>
`.value;
}
