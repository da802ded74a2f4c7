// How the report prints figures: binary units for memory (what
// --max-old-space-size and container limits are given in), milliseconds for
// pauses and delays, percentages for shares.

const MIB = 1024 * 1024;

export function bytes(value: number): string {
  if (value >= 1024 * MIB) return `${(value / (1024 * MIB)).toFixed(2)} GiB`;
  if (value >= MIB) return `${(value / MIB).toFixed(1)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${Math.round(value)} B`;
}

export function mebibytes(value: number): number {
  return Math.floor(value / MIB);
}

export function seconds(value: number): string {
  if (value >= 1) return `${value.toFixed(2)} s`;
  if (value >= 0.01) return `${(value * 1000).toFixed(0)} ms`;
  return `${(value * 1000).toFixed(2)} ms`;
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;
}

export function ratio(value: number): string {
  return `x${value.toFixed(2)}`;
}
