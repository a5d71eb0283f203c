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

/**
 * A bootstrap interval for median(b) / median(a) of paired samples: the pairs are drawn again
 * with replacement `draws` times (with a fixed seed, so a run's figures can be reproduced from
 * its samples) and the central `level` share of the resampled ratios is returned as [low, high].
 * It says how far the ratio could move from the machine's noise alone.
 */
export function ratioInterval(a, b, { draws = 4000, level = 0.95, seed = 1 } = {}) {
  const n = Math.min(a.length, b.length);
  if (n === 0) {
    return null;
  }
  const random = mulberry32(seed);
  const ratios = [];
  const drawnA = new Array(n);
  const drawnB = new Array(n);
  for (let draw = 0; draw < draws; draw += 1) {
    for (let i = 0; i < n; i += 1) {
      const pick = Math.floor(random() * n);
      drawnA[i] = a[pick];
      drawnB[i] = b[pick];
    }
    ratios.push(median(drawnB) / median(drawnA));
  }
  const tail = ((1 - level) / 2) * 100;
  return [percentile(ratios, tail), percentile(ratios, 100 - tail)];
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence in [0, 1). */
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
