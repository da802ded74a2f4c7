import { judgedHeap, judgeRuntime, THRESHOLDS, type CheckName, type RuntimeMeasurements, type Verdict } from '@nodevitals/instrumentation';
import { endpointOf, EndpointError, fetchMetrics } from './fetchMetrics.js';
import { measureScrapes, type Scrape } from './measureScrapes.js';
import { Terminal } from './terminal.js';

export interface TopOptions {
  readonly url: URL;
  readonly intervalSeconds: number;
  readonly color: boolean;
}

const WIDTH = 80;
const HISTORY = 24;
const BAR = 16;
const SPARKS = '▁▂▃▄▅▆▇█';
const COLOURS: Record<Verdict, string> = { ok: '32', warning: '33', critical: '31;1', unknown: '2' };
const MIB = 1024 * 1024;

const mib = (bytes: number): string => (bytes >= 1024 * MIB ? `${(bytes / 1024 / MIB).toFixed(2)} GiB` : `${(bytes / MIB).toFixed(1)} MiB`);
const ms = (seconds: number): string => `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0)} ms`;
const pct = (share: number): string => `${(share * 100).toFixed(1)} %`;

/** One headline figure: how to read it from the measurements, print it, and which threshold colours it. */
interface Row {
  label: string;
  check?: CheckName;
  /** The value drawn in the sparkline and, for shares, the bar. */
  value(m: RuntimeMeasurements): number | undefined;
  text(m: RuntimeMeasurements): string;
  /** 0..1 for the bar; none for figures without a natural full scale. */
  share?(m: RuntimeMeasurements): number | undefined;
}

const ROWS: Row[] = [
  {
    label: 'heap used',
    check: 'heapUsed',
    // The figures the heap check judges: the old generation against its own limit where they are served.
    value: (m) => judgedHeap(m).usedBytes,
    text: (m) => {
      const { usedBytes, limitBytes } = judgedHeap(m);
      return usedBytes === undefined ? 'n/a' : `${mib(usedBytes)}${limitBytes ? ` / ${mib(limitBytes)}` : ''}`;
    },
    share: (m) => {
      const { usedBytes, limitBytes } = judgedHeap(m);
      return usedBytes !== undefined && limitBytes ? usedBytes / limitBytes : undefined;
    },
  },
  {
    label: 'rss',
    check: 'containerMemory',
    value: (m) => m.rssBytes,
    text: (m) => (m.rssBytes === undefined ? 'n/a' : `${mib(m.rssBytes)}${m.containerLimitBytes ? ` / ${mib(m.containerLimitBytes)}` : ''}`),
    share: (m) => (m.rssBytes !== undefined && m.containerLimitBytes ? m.rssBytes / m.containerLimitBytes : undefined),
  },
  {
    label: 'loop util',
    check: 'eventLoopUtilization',
    value: (m) => m.eventLoopUtilization,
    text: (m) => (m.eventLoopUtilization === undefined ? 'n/a' : pct(m.eventLoopUtilization)),
    share: (m) => m.eventLoopUtilization,
  },
  {
    label: 'delay p99',
    check: 'eventLoopDelay',
    value: (m) => m.eventLoopDelayP99Seconds,
    text: (m) => (m.eventLoopDelayP99Seconds === undefined ? 'n/a' : ms(m.eventLoopDelayP99Seconds)),
    share: (m) => (m.eventLoopDelayP99Seconds === undefined ? undefined : m.eventLoopDelayP99Seconds / THRESHOLDS.eventLoopDelay.critical),
  },
  {
    label: 'gc time',
    check: 'gcTimeShare',
    value: (m) => m.gc?.timeShare,
    text: (m) => {
      if (!m.gc) return 'n/a';
      const counts = Object.entries(m.gc.byKind).filter(([, kind]) => kind.count > 0).map(([kind, figures]) => `${kind} ${figures.count}`);
      return `${pct(m.gc.timeShare)}${counts.length ? ` (${counts.join(' ')})`.slice(0, 14) : ''}`;
    },
    share: (m) => m.gc?.timeShare,
  },
  {
    label: 'handles',
    value: (m) => m.activeHandles,
    text: (m) => (m.activeHandles === undefined ? 'n/a' : `${m.activeHandles} active`),
  },
  {
    label: 'fds',
    check: 'fileDescriptors',
    value: (m) => m.openFileDescriptors,
    text: (m) => (m.openFileDescriptors === undefined ? 'n/a' : `${m.openFileDescriptors}${m.fileDescriptorLimit ? ` / ${m.fileDescriptorLimit}` : ''}`),
    share: (m) => (m.openFileDescriptors !== undefined && m.fileDescriptorLimit ? m.openFileDescriptors / m.fileDescriptorLimit : undefined),
  },
  {
    label: 'heap alloc',
    value: (m) => m.allocationBytesPerSecond,
    text: (m) => (m.allocationBytesPerSecond === undefined ? 'n/a (Node 26+)' : `${mib(m.allocationBytesPerSecond)}/s`),
  },
];

/** The recent values, scaled between their own low and high so a small change shows; a flat line sits mid-height. */
function sparkline(values: readonly (number | undefined)[]): string {
  const known = values.filter((value): value is number => value !== undefined);
  const low = Math.min(...known);
  const high = Math.max(...known);
  const flat = !(high - low > Math.abs(high) * 0.005);
  return values
    .map((value) => (value === undefined ? ' ' : SPARKS[flat ? 3 : Math.min(7, Math.floor(((value - low) / (high - low)) * 7.99))]))
    .join('');
}

function bar(share: number | undefined): string {
  if (share === undefined) return ' '.repeat(BAR + 2);
  const filled = Math.max(0, Math.min(BAR, Math.round(share * BAR)));
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`;
}

function paint(text: string, verdict: Verdict, color: boolean): string {
  return color ? `\u001b[${COLOURS[verdict]}m${text}\u001b[0m` : text;
}

/** Whatever state the view is in: the last figures, their history, the endpoint's last answer. */
class TopState {
  previous: Scrape | undefined;
  current: RuntimeMeasurements | undefined;
  problem: string | undefined;
  readonly history = new Map<string, (number | undefined)[]>();

  record(measurements: RuntimeMeasurements): void {
    this.current = measurements;
    this.problem = undefined;
    for (const row of ROWS) {
      const series = this.history.get(row.label) ?? [];
      series.push(row.value(measurements));
      if (series.length > HISTORY) series.shift();
      this.history.set(row.label, series);
    }
  }
}

async function poll(state: TopState, endpoint: ReturnType<typeof endpointOf>): Promise<void> {
  try {
    const scrape = { page: await fetchMetrics(endpoint, 5_000), atMillis: performance.now() };
    // Rates between two consecutive frames; levels from this one.
    if (state.previous) state.record(measureScrapes([state.previous, scrape]));
    state.previous = scrape;
  } catch (error) {
    if (!(error instanceof EndpointError)) throw error;
    state.problem = error.message;
    state.previous = undefined;
  }
}

function frame(state: TopState, printable: string, options: TopOptions): string[] {
  const clock = new Date().toISOString().slice(11, 19);
  const header = `nodevitals top  ${clock}  every ${options.intervalSeconds} s  q or Ctrl-C quits`;
  const where = printable.length > WIDTH ? `${printable.slice(0, WIDTH - 3)}...` : printable;
  const lines = [header, where, '-'.repeat(WIDTH)];
  const m = state.current;
  const verdicts = new Map<CheckName | undefined, Verdict>();
  if (m) for (const finding of judgeRuntime(m).findings) if (finding.check && !verdicts.has(finding.check)) verdicts.set(finding.check, finding.verdict);
  for (const row of ROWS) {
    const verdict = (row.check && verdicts.get(row.check)) || 'unknown';
    const text = m ? row.text(m) : 'waiting';
    const share = m && row.share ? row.share(m) : undefined;
    const spark = sparkline(state.history.get(row.label) ?? []);
    const value = text.slice(0, 24).padEnd(24);
    lines.push(`${row.label.padEnd(11)}${row.check && m ? paint(value, verdict, options.color) : value}${bar(share)} ${spark}`);
  }
  lines.push('-'.repeat(WIDTH));
  if (state.problem) {
    const message = `endpoint: ${state.problem}`;
    for (let at = 0; at < message.length && at < WIDTH * 3; at += WIDTH) lines.push(paint(message.slice(at, at + WIDTH), 'critical', options.color));
    lines.push(`retrying every ${options.intervalSeconds} s${m ? '; the figures above are from the last answer' : ''}`);
  }
  else if (!m) lines.push('collecting: figures show after the second answer');
  else {
    const findings = judgeRuntime(m);
    const worst = findings.findings.filter((finding) => finding.verdict === 'critical' || finding.verdict === 'warning');
    const titles = worst.length ? `: ${worst.map((finding) => finding.title).join(', ')}` : '';
    const detail = `${titles}`.slice(0, WIDTH - 'status: '.length - findings.verdict.length);
    lines.push(`status: ${paint(findings.verdict, findings.verdict, options.color)}${detail}`);
  }
  lines.push('', thresholdsLegend());
  return lines;
}

/** The numbers the colours come from: the same table as health and the alert rules. */
function thresholdsLegend(): string {
  const share = (check: CheckName): string => `${THRESHOLDS[check].warning * 100}/${THRESHOLDS[check].critical * 100} %`;
  const millis = (check: CheckName): string => `${THRESHOLDS[check].warning * 1000}/${THRESHOLDS[check].critical * 1000} ms`;
  return `warn/crit: heap ${share('heapUsed')}, util ${share('eventLoopUtilization')}, delay ${millis('eventLoopDelay')}, gc ${share('gcTimeShare')}`;
}

function plainLine(state: TopState): string {
  const clock = new Date().toISOString().slice(11, 19);
  if (state.problem) return `${clock} endpoint: ${state.problem}`;
  if (!state.current) return `${clock} collecting`;
  return `${clock} ${ROWS.map((row) => `${row.label}=${row.text(state.current!)}`).join('  ')}`;
}

/**
 * The live view. On a terminal: a full-screen frame every interval, until q,
 * Ctrl-C or a signal. Elsewhere (a pipe, a log): one plain line per interval,
 * no escape codes, until a signal. Resolves with the exit code.
 */
export function runTop(options: TopOptions): Promise<number> {
  const endpoint = endpointOf(options.url);
  const state = new TopState();
  const tty = Boolean(process.stdout.isTTY);
  const terminal = tty ? new Terminal(process.stdin, process.stdout) : undefined;
  return new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stop = (code: number): void => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      terminal?.restore();
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(signal, onSignal);
      resolve(code);
    };
    const onSignal = (): void => stop(0);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
    terminal?.enter(() => stop(0));
    const tick = async (): Promise<void> => {
      const startedAt = performance.now();
      try {
        await poll(state, endpoint);
        if (stopped) return;
        if (terminal) terminal.draw(frame(state, endpoint.printable, options));
        else process.stdout.write(`${plainLine(state)}\n`);
      } catch (error) {
        terminal?.restore();
        process.stderr.write(`nodevitals: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
        stop(2);
        return;
      }
      if (!stopped) timer = setTimeout(() => void tick(), Math.max(0, options.intervalSeconds * 1000 - (performance.now() - startedAt)));
    };
    void tick();
  });
}
