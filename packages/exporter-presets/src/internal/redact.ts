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
