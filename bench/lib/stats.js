/** Median of a list of numbers (mean of the two middle values for an even count); null when empty. */
export function median(values) {
  const sorted = sortedNumbers(values);
  if (sorted.length === 0) {
    return null;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile (p in 0..100): p95 of 100 values is the 95th smallest. */
export function percentile(values, p) {
  const sorted = sortedNumbers(values);
  if (sorted.length === 0) {
    return null;
  }
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** p50 / p95 / max / min / n of a sample. */
export function summarize(values) {
  const sorted = sortedNumbers(values);
  return {
    n: sorted.length,
    min: sorted[0] ?? null,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? null,
  };
}

/** Round to a number of decimals (null passes through). */
export function round(value, decimals = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return value ?? null;
  }
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function sortedNumbers(values) {
  // Infinity is kept: it stands for "never happened" and must weigh on percentiles.
  return values.filter((value) => typeof value === 'number' && !Number.isNaN(value)).sort((a, b) => a - b);
}
