import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArguments, USAGE, UsageError } from './arguments.js';
import { EndpointError } from './fetchMetrics.js';
import { runReport } from './report.js';
import { runTop } from './top.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** One line on stderr, no stack: what the user needs to fix. */
function fail(message: string, code: number): void {
  process.stderr.write(`nodevitals: ${message}\n`);
  process.exitCode = code;
}

/** The `nodevitals` command. Sets process.exitCode: 0 ok, 1 a critical finding, 2 usage or endpoint error. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    const command = parseArguments(argv, process.env, Boolean(process.stdout.isTTY));
    if (command.kind === 'help') process.stdout.write(`${USAGE}\n`);
    else if (command.kind === 'version') process.stdout.write(`${version()}\n`);
    else if (command.kind === 'report') process.exitCode = await runReport(command, process.stdout);
    else process.exitCode = await runTop(command);
  } catch (error) {
    if (error instanceof UsageError) fail(`${error.message} (nodevitals --help for usage)`, 2);
    else if (error instanceof EndpointError) fail(error.message, 2);
    else fail(`unexpected error: ${(error as Error)?.message ?? String(error)}`, 2);
  }
}
