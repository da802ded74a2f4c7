import { REPORT_AREAS, type Finding, type ReportArea, type RuntimeFindings, type Verdict } from './findings.js';

export interface FormatOptions {
  /** First line, naming what was measured (the CLI puts the endpoint here). */
  readonly title?: string;
  /** ANSI colour on the verdicts; off by default (logs, pipes). */
  readonly color?: boolean;
  /** Column to wrap recommendations at; default 80. */
  readonly width?: number;
}

const AREA_TITLES: Record<ReportArea, string> = {
  heap: 'Heap and memory limits',
  gc: 'Garbage collection',
  allocation: 'Allocation',
  eventLoop: 'Event loop',
  handles: 'Handles and file descriptors',
  workers: 'Worker threads',
};

const COLOURS: Record<Verdict, string> = { ok: '32', warning: '33', critical: '31;1', unknown: '2' };
const INDENT = '             ';

function tag(verdict: Verdict, color: boolean): string {
  const text = `[${verdict}]`.padEnd(11);
  return color ? `\u001b[${COLOURS[verdict]}m${text}\u001b[0m` : text;
}

function wrap(text: string, width: number, prefix: string, firstPrefix = prefix, firstWidth = firstPrefix.length): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const lead = lines.length === 0 ? firstWidth : prefix.length;
    if (line && lead + line.length + 1 + word.length > width) {
      lines.push((lines.length === 0 ? firstPrefix : prefix) + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push((lines.length === 0 ? firstPrefix : prefix) + line);
  return lines;
}

function findingLines(finding: Finding, options: Required<Omit<FormatOptions, 'title'>>): string[] {
  // The tag's colour codes take no columns: wrap by its printed width.
  const lines = wrap(`${finding.title}: ${finding.measured}`, options.width, INDENT, `  ${tag(finding.verdict, options.color)}`, INDENT.length);
  if (finding.threshold) lines.push(`${INDENT}threshold: ${finding.threshold.text}`);
  lines.push(...wrap(`-> ${finding.recommendation}`, options.width, INDENT));
  return lines;
}

/** The findings as a plain-text report, one section per area. */
export function formatFindings(report: RuntimeFindings, options: FormatOptions = {}): string {
  const resolved = { color: options.color ?? false, width: options.width ?? 80 };
  const counts = (verdict: Verdict): number => report.findings.filter((finding) => finding.verdict === verdict).length;
  const lines: string[] = [];
  if (options.title) lines.push(options.title);
  lines.push(
    `verdict: ${report.verdict.toUpperCase()} (${counts('critical')} critical, ${counts('warning')} warning, ` +
      `${counts('ok')} ok, ${counts('unknown')} unknown)`,
  );
  for (const area of REPORT_AREAS) {
    const findings = report.findings.filter((finding) => finding.area === area);
    if (findings.length === 0) continue;
    lines.push('', AREA_TITLES[area]);
    for (const finding of findings) lines.push(...findingLines(finding, resolved));
  }
  return lines.join('\n') + '\n';
}
