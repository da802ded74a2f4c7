/**
 * The endpoint as it may be printed: never its userinfo (a password), nor
 * query values (keys), nor the fragment. Every message about the endpoint
 * goes through here, once, where the argument is parsed. Same rule as the
 * exporter presets' redaction, kept small and local: the CLI does not reach
 * into another package's internals.
 */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  const hadUserinfo = copy.username !== '' || copy.password !== '';
  copy.username = '';
  copy.password = '';
  const keys = [...copy.searchParams.keys()];
  copy.search = '';
  copy.hash = '';
  let text = copy.href;
  if (hadUserinfo) text = text.replace('://', '://<redacted>@');
  if (keys.length > 0) text += `?${keys.map((key) => `${encodeURIComponent(key)}=<redacted>`).join('&')}`;
  return text;
}

/** What the user typed where a URL goes, when it is not one: only a hint of its shape, never its text. */
export function describeNonUrl(text: string): string {
  return /[@:?]/.test(text) ? `an argument of ${text.length} characters (not shown: it may hold a secret)` : JSON.stringify(text.slice(0, 80));
}
