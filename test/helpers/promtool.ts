import { spawnSync } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  output: string;
}

/** Debian's promtool (apt install prometheus); CI installs it. */
export function promtool(args: string[], cwd?: string): ToolResult {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`cannot run promtool (apt-get install prometheus): ${result.error.message}`);
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
