/** A whole number of at least `min` from the environment, or `fallback` when unset; a bad value names the variable. */
export function intFromEnv(name, fallback, min = 1) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A comma-separated list from the environment, each item one of `known`; `fallback` when unset. */
export function listFromEnv(name, fallback, known) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const items = raw.split(',').map((item) => item.trim());
  const unknown = items.filter((item) => !known.includes(item));
  if (unknown.length > 0 || items.length === 0) {
    throw new Error(`${name} names unknown values: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  }
  return items;
}
