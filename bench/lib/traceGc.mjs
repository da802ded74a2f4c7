// Sums the pauses `node --trace-gc` prints between the gc worker's markers.
// A line looks like
//   [pid:0x...]  123 ms: Scavenge 3.8 (4.0) -> 3.4 (5.0) MB, 0.60 / 0.00 ms  (average mu ...) allocation failure;
// where the first figure after "MB," is the pause in milliseconds (Node 24+
// prints "MB, pooled: 0 MB, 0.60 / 0.00 ms": the pause follows the pool).
const LINE = /\d+ ms: (Scavenge|Minor Mark-Sweep|Minor Mark-Compact|Mark-Compact|Mark-Sweep)[^,]*?MB,(?: pooled: [\d.]+ MB,)? ([\d.]+) \/ ([\d.]+) ms/;

export function parseTraceGc(stdout) {
  const start = stdout.indexOf('BENCH-GC-START');
  const end = stdout.indexOf('BENCH-GC-END');
  const window = start >= 0 && end > start ? stdout.slice(start, end) : '';
  const totals = { minor: { count: 0, sumMillis: 0 }, major: { count: 0, sumMillis: 0 } };
  for (const line of window.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const type = match[1].startsWith('Mark') ? 'major' : 'minor';
    totals[type].count++;
    totals[type].sumMillis += Number(match[2]);
  }
  return totals;
}
