/**
 * ingress-nginx annotation validation, mirrored from the controller's source
 * (internal/ingress/annotations/parser/validators.go and .../authreq/main.go, controller v1.9+):
 * values are checked after removing spaces where the controller does, and an invalid value makes
 * the controller reject the annotation (for external auth: serve the location unauthenticated or
 * not at all), so the manifests must never carry one. The character classes shared with the local
 * gateway's renderer come from scripts/stack/ingress-annotations.ts, the project's one copy.
 */
import {
  ALPHANUMERIC,
  GO_BOOL,
  HEADER_NAME,
  HEADERS_VARIABLE,
  SIZE,
  URL_WITH_NGINX_VARIABLE,
  validRegex,
} from '../../scripts/stack/ingress-annotations.js';

export { HEADER_NAME, HEADERS_VARIABLE, SIZE, URL_WITH_NGINX_VARIABLE };

const urlEnabledChars = ':?&=';
/** parser.URLIsValidRegex. */
export const URL_IS_VALID = new RegExp(`^[${ALPHANUMERIC}${urlEnabledChars}]*$`);
/** parser.ExtendedCharsRegex. */
export const EXTENDED_CHARS = new RegExp(`^[/${ALPHANUMERIC}, ]*$`);
/** parser.NGINXVariable. */
export const NGINX_VARIABLE = /^[A-Za-z0-9\-_${}]*$/;

/**
 * `auth-url`: the character whitelist (after removing spaces), then parser.StringToURL: a scheme,
 * a host, no `..` in the host. We are stricter than the controller in one way: no `$` (nginx
 * variables), since our URL is a fixed Service address.
 */
export function authUrlProblems(value: string): string[] {
  const problems: string[] = [];
  const compact = value.replaceAll(' ', '');
  if (!validRegex(URL_WITH_NGINX_VARIABLE, value)) {
    problems.push(`auth-url ${value}: characters outside ingress-nginx's URL whitelist`);
  }
  if (compact.includes('$')) problems.push(`auth-url ${value}: contains an nginx variable`);
  const parts = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(value);
  if (!parts) problems.push(`auth-url ${value}: no scheme or host`);
  else if (parts[2] === '') problems.push(`auth-url ${value}: empty host`);
  else if (parts[2]?.includes('..')) problems.push(`auth-url ${value}: invalid host`);
  return problems;
}

/** `auth-response-headers`: the list whitelist, then every name against the header pattern. */
export function authResponseHeadersProblems(value: string): string[] {
  const problems: string[] = [];
  if (!validRegex(HEADERS_VARIABLE, value)) {
    problems.push(`auth-response-headers ${value}: characters outside the whitelist`);
  }
  for (const name of value.split(',').map((h) => h.trim())) {
    if (name.length > 0 && !HEADER_NAME.test(name)) {
      problems.push(`auth-response-headers: invalid header name "${name}"`);
    }
  }
  return problems;
}

/** authreq ValidCacheDuration: `[code ...] time [time ...]`, codes never after a time. */
function validCacheDuration(duration: string): boolean {
  let seenDuration = false;
  for (const element of duration.split(' ')) {
    if (element.length === 0) continue;
    if (/^\d{3}$/.test(element)) {
      if (seenDuration) return false;
      continue;
    }
    if (/^\d+(ms|s|m|h|d|w|M|y)$/.test(element)) seenDuration = true;
  }
  return seenDuration;
}

/** `auth-cache-duration`: comma list of `[codes] time` entries. */
export function authCacheDurationProblems(value: string): string[] {
  if (!EXTENDED_CHARS.test(value)) return [`auth-cache-duration ${value}: characters`];
  return value
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0 && !validCacheDuration(d))
    .map((d) => `auth-cache-duration: invalid entry "${d}"`);
}

const AUTH_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
];

const ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';

/** Validators of the nginx annotations we accept at all; any other one is a problem. */
const ANNOTATION_VALIDATORS: Readonly<Record<string, (value: string) => string[]>> = {
  'auth-url': authUrlProblems,
  'auth-response-headers': authResponseHeadersProblems,
  'auth-cache-duration': authCacheDurationProblems,
  'auth-cache-key': (v) =>
    validRegex(NGINX_VARIABLE, v) ? [] : [`auth-cache-key ${v}: characters`],
  'auth-method': (v) => (AUTH_METHODS.includes(v.trim()) ? [] : [`auth-method ${v}: not a method`]),
  'auth-request-redirect': (v) =>
    validRegex(URL_IS_VALID, v) ? [] : [`auth-request-redirect ${v}: characters`],
  'auth-always-set-cookie': (v) =>
    ['true', 'false'].includes(v) ? [] : [`auth-always-set-cookie ${v}: not a boolean`],
  'proxy-body-size': (v) => (SIZE.test(v) ? [] : [`proxy-body-size ${v}: not a size`]),
  'service-upstream': (v) => (GO_BOOL.test(v) ? [] : [`service-upstream ${v}: not a boolean`]),
};

/**
 * Lints the `nginx.ingress.kubernetes.io/*` annotations of one Ingress: no snippet annotation
 * (refused by default, "Critical" risk), only annotations we know how to validate, and each value
 * valid under the controller's rules.
 */
export function nginxAnnotationProblems(annotations: Record<string, string> = {}): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (key.endsWith('-snippet')) {
      problems.push(`${key}: snippet annotations are forbidden`);
      continue;
    }
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const validator = ANNOTATION_VALIDATORS[key.slice(ANNOTATION_PREFIX.length)];
    if (!validator) problems.push(`${key}: not an annotation this project allows`);
    else problems.push(...validator(value));
  }
  return problems;
}
