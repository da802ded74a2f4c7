// What a person gets for a typo, a dead service or the wrong page: exit 2 and
// one line on stderr saying what is wrong, no stack, never the password in the URL.
import { createServer, type Server } from 'node:http';
import { freePort } from '../../exporter-presets/test/helpers/ports';
import { runCli } from './helpers/cli';

function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, text: RegExp | string): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^nodevitals: /);
  if (typeof text === 'string') expect(lines[0]).toContain(text);
  else expect(lines[0]).toMatch(text);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('nodevitals bad input', () => {
  let server: Server;
  let base: string;
  const pages: Record<string, { status: number; type: string; body: string }> = {
    '/html': { status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><html><body>Login</body></html>' },
    '/text': { status: 200, type: 'text/plain', body: 'hello, this is not a metrics page\n' },
    '/other-metrics': { status: 200, type: 'text/plain; version=0.0.4', body: '# TYPE up gauge\nup 1\nhttp_requests_total{code="200"} 12\n' },
    '/broken': { status: 503, type: 'text/plain', body: 'collection failed' },
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const page = pages[request.url ?? ''] ?? { status: 404, type: 'text/plain', body: 'not found' };
      response.writeHead(page.status, { 'content-type': page.type });
      response.end(page.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('an unreachable endpoint: exit 2, one line, the password in the URL not printed', async () => {
    const port = await freePort();
    const result = await runCli(['report', `http://scraper:hunter2@127.0.0.1:${port}/metrics?token=abc123`, '--seconds', '1']);
    expectOneLine(result, `cannot read http://<redacted>@127.0.0.1:${port}/metrics?token=<redacted>: connection refused`);
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toContain('scraper');
    expect(result.stderr).not.toContain('abc123');
  });

  it.each([
    ['an HTML page', '/html', 'is not a Prometheus metrics page (it serves HTML)'],
    ['a plain-text page that is not metrics', '/text', 'is not a Prometheus metrics page (line 1:'],
    ['metrics without Node.js runtime metrics', '/other-metrics', 'none of the Node.js runtime metrics'],
    ['an endpoint answering 503', '/broken', 'answered HTTP 503'],
    ['a 404', '/nothing-here', 'answered HTTP 404'],
  ])('%s: exit 2 and one line', async (_, path, text) => {
    expectOneLine(await runCli(['report', `${base}${path}`, '--seconds', '1']), text);
  });

  it.each([
    ['no command', [], 'a command is needed'],
    ['an unknown command', ['reprot', 'http://127.0.0.1:9464/metrics'], 'unknown command "reprot"'],
    ['report without a URL', ['report'], 'report needs the URL'],
    ['a URL that is not one', ['report', 'localhost:9464'], 'the URL must be http or https'],
    ['text that is no URL', ['report', 'metrics'], 'not a URL: "metrics"'],
    ['a URL with a password and a bad port', ['report', 'http://user:pw@@host:99999/metrics'], 'not shown'],
    ['--seconds that is not a number', ['report', 'http://127.0.0.1:9464/metrics', '--seconds', 'ten'], '--seconds must be a number from 1 to 3600, got "ten"'],
    ['--seconds 0', ['report', 'http://127.0.0.1:9464/metrics', '--seconds=0'], '--seconds must be a number from 1 to 3600, got "0"'],
    ['an unknown option', ['report', 'http://127.0.0.1:9464/metrics', '--fast'], 'unknown option "--fast"'],
    ['top with --json', ['top', 'http://127.0.0.1:9464/metrics', '--json'], 'unknown option "--json" for top'],
  ])('bad usage, %s: exit 2 and one line pointing at --help', async (_, args, text) => {
    const result = await runCli(args);
    expectOneLine(result, text);
    expect(result.stderr).toContain('(nodevitals --help for usage)');
    expect(result.stderr).not.toContain('pw@@host');
  });

  it('--help prints the usage on stdout and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: nodevitals report <url> [--seconds N] [--json] [--no-color]');
    expect(result.stdout).toContain('nodevitals top <url>');
  });
});
