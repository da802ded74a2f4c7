/**
 * The one place a value that may carry a secret is turned into something
 * printable. Endpoints can hold a password (`https://user:pass@host`) or a key
 * in the query (`?api_key=...`); header values are credentials more often than
 * not. Every message that names an endpoint or a header goes through here, so
 * no log line, warning or thrown error can print one.
 */

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

/** An endpoint as it may be printed: no userinfo, no query values, no fragment. */
export function redactUrl(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
    const credentials = url.username !== '' || url.password !== '';
    url.username = '';
    url.password = '';
    const query = [...url.searchParams.keys()];
    url.search = '';
    url.hash = '';
    let printable = url.toString();
    if (credentials) printable = printable.replace('://', '://<redacted>@');
    if (query.length > 0) printable += `?${query.map((key) => `${encodeURIComponent(key)}=<redacted>`).join('&')}`;
    return printable;
  }
  // Not a URL we can take apart (host:port, or a typo): keep what cannot be a
  // secret, the scheme and the host part after any '@', and cut at '?' or '#'.
  const withoutUserinfo = raw.replace(USERINFO, '$1<redacted>@');
  const afterAt = withoutUserinfo.includes('@') && !USERINFO.test(raw) ? `<redacted>@${withoutUserinfo.slice(withoutUserinfo.lastIndexOf('@') + 1)}` : withoutUserinfo;
  const cut = afterAt.search(/[?#]/);
  return cut >= 0 ? `${afterAt.slice(0, cut)}?<redacted>` : afterAt;
}

/** A header list as it may be printed: the names, never the values. */
export function describeHeaderNames(headers: Readonly<Record<string, string>>): string {
  const names = Object.keys(headers);
  return names.length === 0 ? 'no headers' : `headers ${names.join(', ')} (values not shown)`;
}

/** A key or header name as it may be printed: a plain name is, anything else (a value typed where a name goes) is not. */
export function printableKey(key: string): string {
  return /^[\w.-]{1,64}$/.test(key) ? key : 'a name that is not a plain name (not shown)';
}

/**
 * An option value that may hold a secret, described without it: numbers and
 * booleans as they are, strings by length (or as a redacted URL), objects by
 * their keys. For messages about headers, endpoints and unknown options.
 */
export function describeSecretValue(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes('@')
      ? JSON.stringify(redactUrl(value))
      : `a string of ${value.length} characters (not shown)`;
  }
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length} items (not shown)`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0 ? '{}' : `an object with keys ${keys.map(printableKey).join(', ')} (values not shown)`;
  }
  return typeof value;
}
