/**
 * Lua scripts that make run transitions atomic: two racing requests never both win.
 * Status index sets are named `<prefix>:runs:<STATUS>`; ARGV carries the prefix.
 */

/** Create a run: KEYS = [run hash, sequence, all runs]; ARGV = [prefix, status, runId, field, value, ...]. Returns the sequence. */
export const CREATE_RUN = `
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'seq', seq, 'runId', ARGV[3], 'status', ARGV[2])
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZADD', KEYS[3], seq, ARGV[3])
redis.call('ZADD', ARGV[1] .. ':runs:' .. ARGV[2], seq, ARGV[3])
return seq
`;

/**
 * Move a run from one of the allowed statuses to another and set fields, atomically.
 * KEYS = [run hash, finished set]; ARGV = [prefix, allowedFrom (comma list or '*'), newStatus ('' keeps it),
 * endedAtMs ('' unless terminal), a field that must be absent ('' for none), field, value, ...].
 * A value of '\\0' deletes the field.
 * Returns {1, status, controlReady} on success, {0, currentStatus} when not allowed, {-1} when missing.
 */
export const TRANSITION = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {-1} end
local allowed = ARGV[2]
if allowed ~= '*' and not string.find(',' .. allowed .. ',', ',' .. current .. ',', 1, true) then
  return {0, current}
end
if ARGV[5] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[5]) == 1 then return {0, current} end
local target = ARGV[3]
if target ~= '' and target ~= current then
  local runId = redis.call('HGET', KEYS[1], 'runId')
  local seq = redis.call('HGET', KEYS[1], 'seq')
  redis.call('ZREM', ARGV[1] .. ':runs:' .. current, runId)
  redis.call('ZADD', ARGV[1] .. ':runs:' .. target, seq, runId)
  redis.call('HSET', KEYS[1], 'status', target)
  if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], runId) end
end
for i = 6, #ARGV, 2 do
  if ARGV[i + 1] == '\\0' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
local status = redis.call('HGET', KEYS[1], 'status')
local ready = redis.call('HGET', KEYS[1], 'controlReady') or '0'
return {1, status, ready}
`;

/** Delete a terminal run: KEYS = [run hash, tests, files, all runs, finished, progress]; ARGV = [prefix, terminal statuses comma list]. */
export const DELETE_RUN = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {-1} end
if not string.find(',' .. ARGV[2] .. ',', ',' .. current .. ',', 1, true) then return {0, current} end
local runId = redis.call('HGET', KEYS[1], 'runId')
redis.call('ZREM', ARGV[1] .. ':runs:' .. current, runId)
redis.call('ZREM', KEYS[4], runId)
redis.call('ZREM', KEYS[5], runId)
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[6])
return {1, current}
`;
