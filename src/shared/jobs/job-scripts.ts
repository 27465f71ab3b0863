import { luaScript } from '../redis/lua-scripts.ts';
/**
 * The Lua scripts of JobStore: every status change of a job record is one of these, so the
 * checks (allowed status, fence, finish on its way) and what follows a change (the owner's
 * queued set) happen in one step on Redis. KEYS[1] is always the job's hash.
 */

// The owner's queued set (MAX_QUEUED_JOBS_PER_TENANT, tenants/queued-jobs.ts) follows every
// status change these scripts make, in the same script: the two never disagree, whoever moves
// the job. Called after the change, with the status before it.
const followQueued = `
local function followQueued(before, prefix, id)
  local after = redis.call('HGET', KEYS[1], 'status')
  if after == before or (after ~= '"queued"' and before ~= '"queued"') then return end
  local owner = redis.call('HGET', KEYS[1], 'owner')
  if not owner then return end
  local set = prefix .. cjson.decode(owner) .. ':queued'
  if after == '"queued"' then redis.call('SADD', set, id) else redis.call('SREM', set, id) end
end
`;

// Compare-and-set on the status field, fenced by the run: applies the patch only when the
// current status is allowed, no finish is on its way (`finishing` absent or JSON null), and
// (when ARGV[2] is not empty) the record's run is the caller's. ARGV: allowed statuses (JSON
// list of JSON strings), fence (the run id as stored, JSON-encoded, or ''), tenant key prefix,
// job id, then field/value pairs.
export const transitionScript = luaScript(
  'job_transition',
  `${followQueued}
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {'missing', ''} end
local finishing = redis.call('HGET', KEYS[1], 'finishing')
if finishing and finishing ~= 'null' then return {'rejected', current} end
local allowed = cjson.decode(ARGV[1])
local ok = #allowed == 0
for _, status in ipairs(allowed) do
  if status == current then ok = true end
end
if not ok then return {'rejected', current} end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'run_id') ~= ARGV[2] then
  return {'fenced', current}
end
if #ARGV > 4 then redis.call('HSET', KEYS[1], unpack(ARGV, 5)) end
followQueued(current, ARGV[3], ARGV[4])
return {'applied', current}
`,
);

// A delivery starts a run: a queued job, or a running one whose run lost its lock (a
// takeover), gets the new run id; the old run is fenced out from here on. A job another
// deployment accepted (its storage is not the caller's) is left alone, and so is a job of a
// batch whose intake has not committed (its work items are queued with its records, before
// the commit: batch-writer.ts). ARGV: run id (JSON-encoded), attempts, started_at
// (JSON-encoded), tenant key prefix, job id, the caller's deployment (JSON-encoded), batch
// key prefix.
export const claimScript = luaScript(
  'job_claim',
  `${followQueued}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
local batch = redis.call('HGET', KEYS[1], 'batch_id')
if batch and batch ~= 'null' then
  local intake = redis.call('HGET', ARGV[7] .. cjson.decode(batch) .. ':state', 'intake')
  if intake == 'writing' or intake == 'rolling_back' then return 'uncommitted' end
end
-- Stored as \`dep\` since record version 6, as \`deployment\` before (job-record-codec.ts).
local deployment = redis.call('HGET', KEYS[1], 'deployment') or redis.call('HGET', KEYS[1], 'dep')
if deployment and deployment ~= 'null' and deployment ~= ARGV[6] then return 'foreign' end
local finishing = redis.call('HGET', KEYS[1], 'finishing')
if finishing and finishing ~= 'null' then return 'finishing' end
if status ~= '"queued"' and status ~= '"running"' then return 'finished' end
local runs = tonumber(redis.call('HGET', KEYS[1], 'runs') or '0') + 1
local takeovers = tonumber(redis.call('HGET', KEYS[1], 'takeovers') or '0')
local takeover = status == '"running"'
if takeover then takeovers = takeovers + 1 end
redis.call('HSET', KEYS[1], 'status', '"running"', 'run_id', ARGV[1], 'runs', runs,
  'takeovers', takeovers, 'attempts', ARGV[2])
local started = redis.call('HGET', KEYS[1], 'started_at')
if not started or started == 'null' then redis.call('HSET', KEYS[1], 'started_at', ARGV[3]) end
followQueued(status, ARGV[4], ARGV[5])
if takeover then return 'takeover' end
return 'claimed'
`,
);

// Moves the finish intent ARGV[1] names (its \`"id":"…"\`, unique) into the record's fields
// (ARGV[5..]; ARGV[2], ARGV[3]: tenant key prefix, job id) and removes it, in one step: the
// commit of a finish. Anything else (no intent, another one) is left alone: it was committed
// already, or is not this caller's to commit. A job outside a batch enters the finished index
// KEYS[2] scored by ARGV[4] (finished_at, ms), where retention finds it; a batch's jobs leave
// with their batch.
export const commitScript = luaScript(
  'job_commit',
  `${followQueued}
local intent = redis.call('HGET', KEYS[1], 'finishing')
if not intent or not string.find(intent, ARGV[1], 1, true) then return 0 end
local before = redis.call('HGET', KEYS[1], 'status')
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('HDEL', KEYS[1], 'finishing')
followQueued(before, ARGV[2], ARGV[3])
local batch = redis.call('HGET', KEYS[1], 'batch_id')
if not batch or batch == 'null' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3]) end
return 1
`,
);
