// `nodevitals top` in a real terminal: tmux runs a shell at 80x24, the test
// types into it (send-keys) and reads the screen (capture-pane), as a person
// would look at it. tmux is provisioned by scripts/run.mjs.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode } from '../../exporter-presets/test/helpers/childProcess';
import { freePort } from '../../exporter-presets/test/helpers/ports';
import { BIN, CLI_ROOT, startServedApp, type ServedApp } from './helpers/cli';

// Each test waits on several screens (a start of top, a scrape, the terminal restored), each bounded by its
// own wait: the test's budget is their sum, which a loaded 2-core machine can push past jest's 30 s default.
jest.setTimeout(120_000);

const SOCKET = `nodevitals-top-test-${process.pid}`;
const PROMPT = 'ready$ ';

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

const screen = (escapes = false): string => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'top');
const paneFlag = (flag: string): string => tmux('display-message', '-p', '-t', 'top', `#{${flag}}`).trim();
const type = (text: string): void => void tmux('send-keys', '-t', 'top', '-l', text);
const press = (...keys: string[]): void => void tmux('send-keys', '-t', 'top', ...keys);
const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

async function waitForScreen(test: (text: string) => boolean, what: string, timeoutMillis = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const text = screen();
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`screen never showed ${what}:\n${text}`);
    await sleep(200);
  }
}

/** After top is gone: the shell's own screen is back, the cursor shows, and the terminal is out of raw mode. */
async function expectTerminalRestored(marker: string): Promise<void> {
  await waitForScreen(() => paneFlag('alternate_on') === '0', 'the main screen back');
  expect(paneFlag('cursor_flag')).toBe('1');
  type(`stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo; echo ${marker}`);
  press('Enter');
  const text = await waitForScreen((shown) => new RegExp(`^${marker}$`, 'm').test(shown), `the marker ${marker}`);
  const settings = text.slice(text.lastIndexOf(`echo ${marker}`));
  // Canonical input and echo back on: the shell is usable, not left in raw mode.
  expect(settings).toMatch(/^icanon$/m);
  expect(settings).toMatch(/^echo$/m);
  expect(settings).not.toMatch(/^-icanon$/m);
  type('clear');
  press('Enter');
}

describe('nodevitals top in a terminal', () => {
  let app: ServedApp;

  beforeAll(async () => {
    app = await startServedApp('idle');
    const env = ['env', '-i', `PATH=${process.env.PATH}`, 'TERM=xterm-256color', `HOME=${tmpdir()}`, `PS1=${PROMPT}`];
    tmux('new-session', '-d', '-s', 'top', '-x', '80', '-y', '24', ...env, 'bash', '--norc', '--noprofile', '-i');
    // capture-pane drops trailing spaces
    await waitForScreen((text) => text.includes(PROMPT.trim()), 'the shell prompt');
  }, 60_000);

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    await app?.stop();
  });

  it('shows the headline figures in 80x24, changing between frames, and q gives the shell back', async () => {
    type(`node ${BIN} top ${app.url}`);
    press('Enter');
    const first = await waitForScreen((text) => /^heap used\s+\d/m.test(text), 'the heap figure');
    // The app allocates all the time: its figures (not only the clock) move between frames. Waited for
    // rather than slept on: a starved machine can hold a refresh past a fixed 2.5 s.
    const figures = (frame: string): string => frame.split('\n').slice(3, 11).join('\n');
    const second = await waitForScreen((text) => /^heap used\s+\d/m.test(text) && figures(text) !== figures(first), 'figures that moved');
    for (const frame of [first, second]) {
      const lines = frame.split('\n');
      expect(lines[0]).toMatch(/^nodevitals top {2}\d\d:\d\d:\d\d {2}every 1 s {2}q or Ctrl-C quits$/);
      expect(lines[1]).toBe(app.url);
      for (const label of ['heap used', 'rss', 'loop util', 'delay p99', 'gc time', 'handles', 'fds']) {
        expect(frame).toMatch(new RegExp(`^${label}\\s+\\S`, 'm'));
      }
      expect(frame).toMatch(/^heap used\s+[\d.]+ MiB \/ [\d.]+ [MG]iB\s+\[[#.]{16}\]/m);
      expect(frame).toMatch(/^status: (ok|warning|critical)/m);
      // Nothing wrapped past 80 columns: every figure on its own row.
      expect(lines.every((line) => line.length <= 80)).toBe(true);
    }
    expect(figures(second)).not.toBe(figures(first));
    press('q');
    await expectTerminalRestored('after-q');
  });

  it('quits on Ctrl-C and restores the terminal', async () => {
    type(`node ${BIN} top ${app.url}`);
    press('Enter');
    await waitForScreen((text) => /^heap used\s+\d/m.test(text), 'the heap figure');
    press('C-c');
    await expectTerminalRestored('after-ctrl-c');
  });

  it('restores the terminal when killed with SIGTERM', async () => {
    const pidFile = join(tmpdir(), `nodevitals-top-${process.pid}.pid`);
    type(`sh -c 'echo $$ > ${pidFile}; exec node ${BIN} top ${app.url}'`);
    press('Enter');
    await waitForScreen((text) => /^heap used\s+\d/m.test(text), 'the heap figure');
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
    rmSync(pidFile, { force: true });
    await expectTerminalRestored('after-sigterm');
  });

  it('shows an unreachable endpoint in the frame and keeps running', async () => {
    const port = await freePort();
    type(`node ${BIN} top http://user:hunter2@127.0.0.1:${port}/metrics`);
    press('Enter');
    const text = await waitForScreen((shown) => shown.includes('retrying every 1 s'), 'the endpoint error');
    expect(text.replace(/\n/g, '')).toContain(`endpoint: cannot read http://<redacted>@127.0.0.1:${port}/metrics: connection refused`);
    expect(text).not.toContain('hunter2');
    await sleep(2_000);
    expect(paneFlag('alternate_on')).toBe('1');
    press('q');
    await expectTerminalRestored('after-unreachable');
  });

  it('paints verdicts in colour, and none with NO_COLOR', async () => {
    type(`node ${BIN} top ${app.url}`);
    press('Enter');
    await waitForScreen((text) => /^heap used\s+\d/m.test(text), 'the heap figure');
    expect(screen(true)).toMatch(/\u001b\[[0-9;]*3[123]m/);
    press('q');
    await expectTerminalRestored('after-colour');
    type(`NO_COLOR=1 node ${BIN} top ${app.url}`);
    press('Enter');
    await waitForScreen((text) => /^heap used\s+\d/m.test(text), 'the heap figure');
    expect(screen(true)).not.toMatch(/\u001b\[[0-9;]*3[0-7]m/);
    press('q');
    await expectTerminalRestored('after-no-colour');
  });
});

describe('nodevitals top without a terminal', () => {
  it('prints one plain line per refresh, no escape codes, and exits 0 on SIGTERM', async () => {
    const app = await startServedApp('idle');
    try {
      const top = startNode([BIN, 'top', app.url, '--interval', '0.5'], {}, [], 120_000, CLI_ROOT);
      await top.waitForOutput('heap used=', 60_000);
      for (const deadline = Date.now() + 30_000; top.output().stdout.split('\n').filter((line) => line.includes('heap used=')).length < 3; ) {
        if (Date.now() > deadline) throw new Error(`fewer than three refreshes in 30 s: ${top.output().stdout}`);
        await sleep(100);
      }
      top.child.kill('SIGTERM');
      const result = await top.exited;
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('\u001b');
      const lines = result.stdout.split('\n').filter((line) => line.includes('heap used='));
      expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d heap used=[\d.]+ MiB \/ [\d.]+ [MG]iB {2}rss=[\d.]+ MiB {2}loop util=[\d.]+ %/);
      expect(result.stderr).toBe('');
    } finally {
      await app.stop();
    }
  }, 180_000);
});
