import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../src/mail/templates/html.js';
import { mailUrl } from '../../src/mail/templates/mail-url.js';
import { noticeMail } from '../../src/mail/templates/notice-mail.js';

const HOSTILE = `<script>alert("x")</script> & 'quotes' <img src=x onerror=alert(1)>`;

describe('escapeHtml and the html template', () => {
  it('escapes the five characters that can leave text or a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes every interpolated value, but keeps nested html templates as they are', () => {
    const inner = html`<b>${HOSTILE}</b>`;
    const outer = html`<p title="${HOSTILE}">${inner}${[HOSTILE, html`<i>ok</i>`]}${null}</p>`;
    expect(outer.value).not.toContain('<script>');
    expect(outer.value).not.toContain('<img');
    expect(outer.value).toContain('<b>&lt;script&gt;');
    expect(outer.value).toContain('<i>ok</i>');
    expect(outer.value).toContain('title="&lt;script&gt;alert(&quot;x&quot;)');
  });
});

describe('mailUrl', () => {
  it('accepts http and https URLs and refuses every other scheme or a relative one', () => {
    expect(mailUrl('https://example.com/verify?t=a b')).toBe('https://example.com/verify?t=a%20b');
    expect(mailUrl('http://127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080/x');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/relative', 'ftp://x/y', ''])
      expect(() => mailUrl(bad)).toThrow(TypeError);
  });
});

describe('noticeMail', () => {
  const content = noticeMail({
    subject: 'Confirm your address',
    name: HOSTILE,
    paragraphs: ['First & foremost.', HOSTILE],
    action: { label: `Go "now"`, url: 'https://example.com/confirm?token=abc&x=<1>' },
    footer: 'You get this because <you> asked.',
  });

  it('writes every value as text into the HTML part', () => {
    expect(content.html).toMatch(/^<!doctype html>/);
    expect(content.html).not.toContain('<script>');
    expect(content.html).not.toContain('<img');
    expect(content.html).toContain('Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(content.html).toContain('First &amp; foremost.');
    expect(content.html).toContain('href="https://example.com/confirm?token=abc&amp;x=%3C1%3E"');
    expect(content.html).toContain('>Go &quot;now&quot;</a>');
    expect(content.html).toContain('because &lt;you&gt; asked.');
    expect(content.html).toContain('<title>Confirm your address</title>');
  });

  it('says the same in the text part, unescaped', () => {
    expect(content.subject).toBe('Confirm your address');
    expect(content.text).toBe(
      [
        `Hello ${HOSTILE},`,
        'First & foremost.',
        HOSTILE,
        'Go "now": https://example.com/confirm?token=abc&x=%3C1%3E',
        '--\nYou get this because <you> asked.\n',
      ].join('\n\n'),
    );
  });

  it('greets without a name, leaves out what is not given, and refuses a link that is not http(s)', () => {
    const plain = noticeMail({ subject: 's', paragraphs: ['p'] });
    expect(plain.text).toBe('Hello,\n\np\n');
    expect(plain.html).not.toContain('<a ');
    expect(() =>
      noticeMail({ subject: 's', paragraphs: [], action: { label: 'x', url: 'javascript:x' } }),
    ).toThrow(TypeError);
  });
});
