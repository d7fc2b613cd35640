import { html, type SafeHtml } from '../mail/templates/html.js';

/**
 * The sign-in pages: plain server-rendered HTML, no script at all, every value escaped by the
 * `html` template. They are served with {@link signinPageCsp}, which forbids scripts, frames
 * and foreign form targets, so an injection that slipped past escaping could still run nothing.
 */

/**
 * The Content-Security-Policy of every sign-in page (set by the route, before any default).
 * `form-action` also governs where a form's answer may redirect, so it names the public origins
 * a sign-in may return to.
 */
export function signinPageCsp(origins: Iterable<string>): string {
  const targets = ["'self'", ...origins].join(' ');
  return `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${targets}; frame-ancestors 'none'; base-uri 'none'`;
}

/** Where the pages' stylesheet is served (same origin, so `style-src 'self'` allows it). */
export const SIGNIN_STYLESHEET_PATH = '/auth/signin.css';

/** What every form of the pages carries back. */
export interface FormContext {
  /** The double-submit token, equal to the CSRF cookie. */
  readonly csrf: string;
  /** The already validated return address. */
  readonly rd: string;
}

/** A message above the form: an error, or a neutral notice. */
export interface PageMessage {
  readonly kind: 'error' | 'notice';
  readonly text: string;
}

function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="${SIGNIN_STYLESHEET_PATH}">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`.value;
}

function messageBlock(message: PageMessage | undefined): SafeHtml {
  if (!message) return html``;
  return message.kind === 'error'
    ? html`<p class="error" role="alert" id="message">${message.text}</p>`
    : html`<p class="notice" role="status" id="message">${message.text}</p>`;
}

function hiddenFields(form: FormContext): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${form.csrf}">
<input type="hidden" name="rd" value="${form.rd}">`;
}

/** The first step: email and password. */
export function signinPage(form: FormContext, message?: PageMessage, email = ''): string {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
${messageBlock(message)}
<form method="post" action="/auth/signin" id="signin">
${hiddenFields(form)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${email}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button>
</form>`,
  );
}

/** The second step, for accounts with MFA on: a TOTP code or a recovery code. */
export function mfaPage(form: FormContext, mfaToken: string, message?: PageMessage): string {
  return layout(
    'Sign in: second step',
    html`<h1>Enter your code</h1>
${messageBlock(message)}
<form method="post" action="/auth/signin/mfa" id="mfa">
${hiddenFields(form)}
<input type="hidden" name="mfa_token" value="${mfaToken}">
<label for="code">Code from your authenticator app, or a recovery code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="64">
<button type="submit">Continue</button>
</form>`,
  );
}

/** The stylesheet of the pages: static, so the CSP needs no `unsafe-inline`. */
export const SIGNIN_STYLESHEET = `body{margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,sans-serif;color:#1f2328}
main{max-width:380px;margin:40px auto;background:#fff;border-radius:8px;padding:32px}
label{display:block;margin:16px 0 4px}
input{width:100%;box-sizing:border-box;padding:8px;font-size:16px}
button{margin-top:20px;padding:8px 16px;font-size:16px}
.error{color:#b42318}
.notice{color:#1f6feb}
`;
