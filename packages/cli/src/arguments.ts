import { describeNonUrl } from './redactUrl.js';

/** Bad usage: one line on stderr, exit 2. */
export class UsageError extends Error {}

export const USAGE = `usage: nodevitals report <url> [--seconds N] [--json] [--no-color]
       nodevitals top <url> [--interval S] [--no-color]

  report   samples a Prometheus endpoint (nodevitals, the Collector's exporter or prom-client names)
           for N seconds (default 10) and grades heap, GC, allocation, event loop, handles and workers
           against the thresholds health and the alert rules use. Exit 0: nothing critical;
           1: something critical; 2: bad usage or an endpoint that cannot be read as metrics.
  top      a live view of the same endpoint, refreshed every S seconds (default 1; q or Ctrl-C quits).

  --json       the report as JSON on stdout
  --no-color   no ANSI colour (also NO_COLOR=1, or when stdout is not a terminal)`;

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'report'; url: URL; seconds: number; json: boolean; color: boolean }
  | { kind: 'top'; url: URL; intervalSeconds: number; color: boolean };

function parseUrl(text: string | undefined, command: string): URL {
  if (text === undefined) throw new UsageError(`${command} needs the URL of a metrics endpoint, e.g. http://127.0.0.1:9464/metrics`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${describeNonUrl(text)} (give e.g. http://127.0.0.1:9464/metrics)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the URL must be http or https, got ${url.protocol}`);
  return url;
}

function parseNumber(flag: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a number from ${min} to ${max}, got ${text === undefined ? 'nothing' : JSON.stringify(text.slice(0, 40))}`);
  }
  return value;
}

export function parseArguments(argv: readonly string[], env: NodeJS.ProcessEnv, stdoutIsTty: boolean): Command {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('a command is needed: report or top');
  if (command === '--help' || command === '-h' || command === 'help') return { kind: 'help' };
  if (command === '--version' || command === '-v') return { kind: 'version' };
  if (command !== 'report' && command !== 'top') throw new UsageError(`unknown command ${JSON.stringify(command.slice(0, 40))}: use report or top`);
  let url: string | undefined;
  let seconds = 10;
  let intervalSeconds = 1;
  let json = false;
  let color = stdoutIsTty && !env.NO_COLOR;
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? rest[++index];
    if (flag === '--seconds' && command === 'report') seconds = parseNumber('--seconds', value(), 1, 3600);
    else if (flag === '--interval' && command === 'top') intervalSeconds = parseNumber('--interval', value(), 0.5, 60);
    else if (flag === '--json' && command === 'report') json = true;
    else if (flag === '--no-color') color = false;
    else if (flag === '--help' || flag === '-h') return { kind: 'help' };
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${JSON.stringify(flag.slice(0, 40))} for ${command}`);
    else if (url === undefined) url = arg;
    else throw new UsageError(`${command} takes one URL; an extra argument was given`);
  }
  const parsed = parseUrl(url, command);
  return command === 'report' ? { kind: 'report', url: parsed, seconds, json, color } : { kind: 'top', url: parsed, intervalSeconds, color };
}
