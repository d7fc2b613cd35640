import type { MailContent } from '../mail-content.js';
import { html } from './html.js';
import { htmlLayout } from './html-layout.js';
import { mailUrl } from './mail-url.js';

/** What a {@link noticeMail} says. Every value is text: none is ever read as HTML. */
export interface NoticeMailVars {
  readonly subject: string;
  /** The recipient's name, when known: "Hello Ann," else "Hello,". */
  readonly name?: string | null;
  /** The paragraphs of the message, in order. */
  readonly paragraphs: readonly string[];
  /** One button (a plain link in the text part), e.g. the link of an email verification. */
  readonly action?: { readonly label: string; readonly url: string };
  /** A last, smaller line, e.g. why the recipient gets this mail. */
  readonly footer?: string;
}

/**
 * The one shape of the service's mail: a greeting, paragraphs, at most one action link and a
 * footer, as text and as HTML. Later mails (email verification, password reset) are a
 * `noticeMail` with their own words and link.
 *
 * @example
 * const content = noticeMail({
 *   subject: 'Confirm your address',
 *   name: user.name,
 *   paragraphs: ['Confirm that this address is yours.'],
 *   action: { label: 'Confirm', url: link },
 * });
 */
export function noticeMail(vars: NoticeMailVars): MailContent {
  const url = vars.action ? mailUrl(vars.action.url) : undefined;
  const greeting = vars.name ? `Hello ${vars.name},` : 'Hello,';
  const text = [
    greeting,
    ...vars.paragraphs,
    ...(vars.action && url ? [`${vars.action.label}: ${url}`] : []),
    ...(vars.footer ? [`--\n${vars.footer}`] : []),
  ].join('\n\n');
  const body = html`<p style="margin:0 0 16px;">${greeting}</p>
${vars.paragraphs.map((p) => html`<p style="margin:0 0 16px;line-height:1.5;">${p}</p>\n`)}${
  vars.action && url
    ? html`<p style="margin:24px 0;"><a href="${url}" style="background:#0969da;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;display:inline-block;">${vars.action.label}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#59636e;word-break:break-all;">${url}</p>\n`
    : ''
}${vars.footer ? html`<p style="margin:24px 0 0;font-size:12px;color:#59636e;">${vars.footer}</p>\n` : ''}`;
  return { subject: vars.subject, text: `${text}\n`, html: htmlLayout(vars.subject, body) };
}
