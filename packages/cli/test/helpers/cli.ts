import { join } from 'node:path';
import { startNode, TS_REGISTER, type ChildResult, type RunningChild } from '../../../exporter-presets/test/helpers/childProcess';

export const CLI_ROOT = join(__dirname, '..', '..');
/** The command as installed: the bin entry running the built dist/ (the suite builds before it tests). */
export const BIN = join(CLI_ROOT, 'bin', 'nodevitals.cjs');
const SERVED_APP = join(CLI_ROOT, 'test', 'fixtures', 'servedApp.ts');

/** Runs `nodevitals <args>` as a user would, with only PATH and `env` in its environment. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMillis = 60_000): Promise<ChildResult> {
  return startNode([BIN, ...args], env, [], timeoutMillis, CLI_ROOT).exited;
}

export interface ServedApp {
  url: string;
  child: RunningChild;
  stop(): Promise<void>;
}

/** A real process serving its metrics in the given state (see fixtures/servedApp.ts). */
export async function startServedApp(behaviour: string, naming = 'nodevitals', nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<ServedApp> {
  const child = startNode([SERVED_APP], { BEHAVIOUR: behaviour, NAMING: naming, ...env }, [...nodeArgs, '-r', TS_REGISTER], 180_000, CLI_ROOT);
  // A cold start through the TypeScript hook takes 5-15 s on a loaded machine, several apps start at once, and
  // the heap app fills its heap in rounds of a full GC and 2 s of idling before it announces its URL.
  try {
    await child.waitForOutput('"url"', 90_000);
  } catch (error) {
    // Never leave it running: it idles forever, and would load every suite after this one.
    child.child.kill('SIGKILL');
    throw error;
  }
  const { url } = JSON.parse(child.output().stdout.split('\n').find((line) => line.includes('"url"'))!) as { url: string };
  return {
    url,
    child,
    async stop() {
      child.child.kill('SIGKILL');
      await child.exited;
    },
  };
}

/**
 * The longest gap between two turns of an idle app's own 50 ms timer so far (see fixtures/servedApp.ts): how long
 * the machine really held that app's loop, measured without our sampler. An idle app is graded critical for its
 * loop delay only when this reaches the critical threshold; below it, a critical grade is a wrong reading.
 */
export async function ownLongestGapSeconds(app: ServedApp): Promise<number> {
  const printed = (): string[] => app.child.output().stdout.split('\n').filter((line) => line.includes('"ownLongestGapSeconds"'));
  const before = printed().length;
  app.child.child.kill('SIGUSR2');
  for (const deadline = Date.now() + 30_000; printed().length === before; ) {
    if (Date.now() > deadline) throw new Error(`the app never said its longest gap: ${app.child.output().stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (JSON.parse(printed()[before]) as { ownLongestGapSeconds: number }).ownLongestGapSeconds;
}

/**
 * Resolves once the app printed `line` `times` times. The delay p99 covers a
 * 60 s window of loop iterations, and start-up runs hundreds of quick ones: a
 * few stalls must have happened before they are 1 % of the window.
 */
export async function waitForLines(app: ServedApp, line: string, times: number, timeoutMillis = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (app.child.output().stdout.split('\n').filter((printed) => printed === line).length < times) {
    if (Date.now() > deadline) throw new Error(`the app printed ${JSON.stringify(line)} fewer than ${times} times in ${timeoutMillis} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface JsonReport {
  endpoint: string;
  naming: string;
  scrapes: number;
  verdict: string;
  periodSeconds: number;
  findings: { area: string; check?: string; title: string; value?: number; measured: string; verdict: string; recommendation: string; threshold?: { warning: number; critical: number } }[];
  measurements: Record<string, unknown> & { gc?: { timeShare: number; byKind: Record<string, { count: number; seconds: number; p99Seconds?: number }> } };
}

export function finding(report: JsonReport, check: string) {
  const found = report.findings.find((entry) => entry.check === check);
  if (!found) throw new Error(`no finding for ${check} in ${JSON.stringify(report.findings.map((entry) => entry.check))}`);
  return found;
}
