/**
 * The `nginx.ingress.kubernetes.io/*` annotations the local gateway understands, validated the way
 * ingress-nginx v1.15.1 validates them (internal/ingress/annotations/parser/validators.go,
 * annotations/authreq). Anything else is refused: an annotation we would ignore could be one that
 * matters (auth, access rules), so the renderer never guesses.
 */

/** The annotation prefix of ingress-nginx. */
export const ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';

/** The annotations the renderer supports. */
export const SUPPORTED_ANNOTATIONS = [
  'auth-url',
  'auth-response-headers',
  'proxy-body-size',
  'service-upstream',
] as const;

/** The external-auth configuration of an Ingress (`auth-url` and its companions). */
export interface ExternalAuth {
  /** The annotation value, as written. */
  readonly url: string;
  /** The URL's host name without port: the `Host` header of the subrequest. */
  readonly hostname: string;
  /** The URL's port (80 when absent). */
  readonly port: number;
  /** Path and query of the URL, e.g. `/verify`. */
  readonly pathAndQuery: string;
  /** `auth-response-headers`, in order. */
  readonly responseHeaders: readonly string[];
}

/** What the annotations of one Ingress configure. */
export interface IngressAnnotations {
  readonly externalAuth: ExternalAuth | null;
  /** `proxy-body-size`, or null for the controller's default (`1m`). */
  readonly proxyBodySize: string | null;
}

// The controller's validators (parser/validators.go), the one copy of them in the project: the
// manifest tests' annotation linter (tests/support/k8s-ingress-nginx.ts) uses these too.
/** parser `alphaNumericChars`. */
export const ALPHANUMERIC = String.raw`\-\.\_\~a-zA-Z0-9\/:`;
/**
 * parser.URLWithNginxVariableRegex, one notch stricter: since v1.12 the controller also allows `,`
 * and spaces (`extendedAlphaNumeric`); an auth-url needs neither, so we refuse them.
 */
export const URL_WITH_NGINX_VARIABLE = new RegExp(`^[${ALPHANUMERIC}:?&=$]*$`);
/** parser.HeadersVariable. */
export const HEADERS_VARIABLE = /^[A-Za-z0-9-_, ]*$/;
/** strconv.ParseBool, which the controller's `GetBoolAnnotation` uses. */
export const GO_BOOL = /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/;
/** parser.SizeRegex. */
export const SIZE = /^\d+[bkmg]?$/i;
const MALICIOUS = /\r|\n/;
/** authreq.ValidHeader: each name of auth-response-headers. */
export const HEADER_NAME = /^[a-zA-Z\d\-_]+$/;
// the template's isValidByteSize (offset form) for client_max_body_size
const NGINX_OFFSET = /^[0-9]+[kKmMgG]?$/;

/** `ValidateRegex(regex, removeSpace)`: spaces removed, then the class and the malicious check. */
export function validRegex(regex: RegExp, value: string): boolean {
  const s = value.replaceAll(' ', '');
  return regex.test(s) && !MALICIOUS.test(s);
}

/**
 * Parses and validates the ingress-nginx annotations of one Ingress. Throws, naming the Ingress
 * and the annotation, on snippets, unsupported annotations, empty values (which make the controller
 * skip the annotation, i.e. silently drop auth) and values the controller's validation refuses.
 */
export function parseIngressAnnotations(
  ingress: string,
  annotations: Readonly<Record<string, string>>,
): IngressAnnotations {
  const fail = (annotation: string, reason: string): never => {
    throw new Error(
      `Ingress "${ingress}": annotation ${ANNOTATION_PREFIX}${annotation}: ${reason}`,
    );
  };
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const name = key.slice(ANNOTATION_PREFIX.length);
    if (name.endsWith('-snippet') || name === 'auth-snippet') {
      fail(
        name,
        'snippets are refused (allow-snippet-annotations is false and their risk is Critical: ' +
          'ingress-nginx rejects the whole Ingress)',
      );
    }
    if (!(SUPPORTED_ANNOTATIONS as readonly string[]).includes(name)) {
      fail(
        name,
        `not supported by the local gateway (supported: ${SUPPORTED_ANNOTATIONS.join(', ')}); ` +
          'teach scripts/stack/ingress-annotations.ts and docs/gateway.md before using it',
      );
    }
    if (value.trim() === '') {
      fail(name, 'empty value (ingress-nginx would ignore the annotation)');
    }
    values.set(name, value);
  }

  let externalAuth: ExternalAuth | null = null;
  const authUrl = values.get('auth-url');
  const headerList = values.get('auth-response-headers');
  if (authUrl !== undefined) {
    if (!validRegex(URL_WITH_NGINX_VARIABLE, authUrl)) {
      fail(
        'auth-url',
        `invalid value ${JSON.stringify(authUrl)} (ingress-nginx refuses the Ingress)`,
      );
    }
    if (authUrl.includes('$')) {
      fail('auth-url', 'nginx variables in the URL are not supported by the local gateway');
    }
    let parsed: URL;
    try {
      parsed = new URL(authUrl.trim());
    } catch {
      return fail('auth-url', `${JSON.stringify(authUrl)} is not a URL with scheme and host`);
    }
    if (parsed.hostname === '' || parsed.hostname.includes('..')) {
      fail('auth-url', 'the URL needs a valid host');
    }
    if (parsed.protocol !== 'http:') {
      fail(
        'auth-url',
        `scheme ${parsed.protocol} is not supported by the local gateway (http only)`,
      );
    }
    const responseHeaders: string[] = [];
    if (headerList !== undefined) {
      if (!validRegex(HEADERS_VARIABLE, headerList)) {
        fail('auth-response-headers', `invalid value ${JSON.stringify(headerList)}`);
      }
      for (const raw of headerList.split(',')) {
        const header = raw.trim();
        if (header === '') continue;
        if (!HEADER_NAME.test(header)) {
          fail('auth-response-headers', `invalid header name ${JSON.stringify(header)}`);
        }
        responseHeaders.push(header);
      }
    }
    externalAuth = {
      url: authUrl,
      hostname: parsed.hostname,
      port: parsed.port === '' ? 80 : Number(parsed.port),
      pathAndQuery: `${parsed.pathname}${parsed.search}`,
      responseHeaders,
    };
  } else if (headerList !== undefined) {
    fail('auth-response-headers', 'set without auth-url: no external auth would happen');
  }

  const proxyBodySize = values.get('proxy-body-size') ?? null;
  if (
    proxyBodySize !== null &&
    (!validRegex(SIZE, proxyBodySize) || !NGINX_OFFSET.test(proxyBodySize.trim()))
  ) {
    fail('proxy-body-size', `invalid size ${JSON.stringify(proxyBodySize)} (e.g. 1m, 512k)`);
  }
  // `service-upstream` makes ingress-nginx proxy to the Service's ClusterIP instead of each pod. The
  // local gateway always proxies to one address per service, so only its value is checked here.
  const serviceUpstream = values.get('service-upstream');
  if (serviceUpstream !== undefined && !GO_BOOL.test(serviceUpstream)) {
    fail('service-upstream', `${JSON.stringify(serviceUpstream)} is not a boolean (true or false)`);
  }
  return { externalAuth, proxyBodySize: proxyBodySize?.trim() ?? null };
}
