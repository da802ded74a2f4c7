import { describeHeaderNames, redactUrl } from '../../src/internal/redact';

const SECRET = 's3cr3t-t0ken';

describe('redactUrl', () => {
  it.each([
    [`https://user:${SECRET}@collector.example:4317`, 'https://<redacted>@collector.example:4317/'],
    [`http://${SECRET}@127.0.0.1:4318/v1/metrics`, 'http://<redacted>@127.0.0.1:4318/v1/metrics'],
    [`https://collector.example/v1/metrics?api_key=${SECRET}`, 'https://collector.example/v1/metrics?api_key=<redacted>'],
    ['http://localhost:4317', 'http://localhost:4317/'],
    ['collector:4317', 'collector:4317'],
    [`user:${SECRET}@collector:4317`, '<redacted>@collector:4317'],
    [`http://user:${SECRET}@host:99999`, 'http://<redacted>@host:99999'],
    [`http://host:1/path?token=${SECRET}`, 'http://host:1/path?token=<redacted>'],
    [`ht!tp://host/?k=${SECRET}#${SECRET}`, 'ht!tp://host/?<redacted>'],
  ])('prints %s without its secret', (raw, printable) => {
    const shown = redactUrl(raw);
    expect(shown).toBe(printable);
    expect(shown).not.toContain(SECRET);
  });
});

describe('describeHeaderNames', () => {
  it('names the headers and never their values', () => {
    const shown = describeHeaderNames({ Authorization: `Bearer ${SECRET}`, 'x-tenant': 'a' });
    expect(shown).toContain('Authorization');
    expect(shown).not.toContain(SECRET);
    expect(describeHeaderNames({})).toBe('no headers');
  });
});
