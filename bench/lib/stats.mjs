// Small, dependency-free statistics over arrays of numbers.

export function sorted(values) {
  return Float64Array.from(values).sort();
}

/** Nearest-rank quantile, q in [0, 1]. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const s = values instanceof Float64Array ? values : sorted(values);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[rank];
}

export function summarize(values) {
  const s = sorted(values);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    p99: quantile(s, 0.99),
    min: s[0],
    max: s[s.length - 1],
  };
}

export const median = (values) => quantile(values, 0.5);

/** The median proper: the middle value, or the mean of the middle two for an even count. */
export function middle(values) {
  const s = sorted(values);
  if (s.length === 0) return NaN;
  const half = s.length >> 1;
  return s.length % 2 === 1 ? s[half] : (s[half - 1] + s[half]) / 2;
}

/** One run standing for several: each numeric field its runs' median proper; `gcs` the most any run saw (a heap figure is valid only where none saw one). */
export function medianRun(runs) {
  const result = { ...runs[0] };
  for (const [field, value] of Object.entries(runs[0])) {
    if (typeof value === 'number') result[field] = middle(runs.map((run) => run[field]));
  }
  result.gcs = Math.max(...runs.map((run) => run.gcs));
  return result;
}
