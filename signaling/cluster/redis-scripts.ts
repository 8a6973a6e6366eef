/**
 * The Lua scripts that change lobby state in Redis. Each runs atomically, so every check (capacity,
 * names, host) and its change happen in one step, and each ends by appending one state event (the
 * whole lobby after the change, plus what changed) to the stream of every instance holding a member
 * of the lobby: instances see a lobby's changes in one order, and rebuild their local view from any
 * event. Keys: `rp:l:<code>` a hash (`meta` plus `m:<member id>` per member), `rp:c:<code>` the code
 * reservation (SET NX; outlives the lobby so that a late join hears `expired-lobby`), `rp:i:<id>` an
 * instance's presence (a TTL refreshed by its heartbeat), `rp:s:<id>` an instance's inbound stream.
 */

/** Prefix of every key (kept in step with the Lua below). */
export const KEY_PREFIX = 'rp:';
export const lobbyKey = (code: string): string => `${KEY_PREFIX}l:${code}`;
export const codeKey = (code: string): string => `${KEY_PREFIX}c:${code}`;
export const instanceKey = (id: string): string => `${KEY_PREFIX}i:${id}`;
export const streamKey = (id: string): string => `${KEY_PREFIX}s:${id}`;
/** Entries an instance stream keeps (approximately): far above what a reconnect leaves unread. */
export const STREAM_MAXLEN = 10_000;

const COMMON = `
local P = '${KEY_PREFIX}'
local function load(lk)
  local all = redis.call('HGETALL', lk)
  local meta, list = nil, {}
  for i = 1, #all, 2 do
    local f = all[i]
    if f == 'meta' then meta = cjson.decode(all[i + 1])
    elseif string.sub(f, 1, 2) == 'm:' then list[#list + 1] = cjson.decode(all[i + 1]) end
  end
  table.sort(list, function(a, b) return a.seq < b.seq end)
  return meta, list
end
local function emit(code, meta, list, ev, extra)
  local parts, insts = {}, {}
  for i, m in ipairs(list) do parts[i] = cjson.encode(m); insts[m.inst] = true end
  if extra ~= nil then insts[extra] = true end
  local msg = '{"t":"s","c":' .. cjson.encode(code) .. ',"meta":' .. cjson.encode(meta) .. ',"members":[' .. table.concat(parts, ',') .. '],' .. ev .. '}'
  for inst in pairs(insts) do
    redis.call('XADD', P .. 's:' .. inst, 'NOMKSTREAM', 'MAXLEN', '~', '${STREAM_MAXLEN}', '*', 'm', msg)
  end
end
local function remove(lk, code, meta, list, id, reason, emptyTtl)
  local rest = {}
  for _, o in ipairs(list) do if o.id ~= id then rest[#rest + 1] = o end end
  redis.call('HDEL', lk, 'm:' .. id)
  if meta.hostId == id then
    if rest[1] then meta.hostId = rest[1].id else meta.hostId = cjson.null end
  end
  redis.call('HSET', lk, 'meta', cjson.encode(meta))
  if #rest == 0 then redis.call('PEXPIRE', lk, emptyTtl) end
  emit(code, meta, rest, '"e":"left","id":' .. cjson.encode(id) .. ',"reason":' .. cjson.encode(reason))
  return rest
end
local function find(list, id)
  for _, o in ipairs(list) do if o.id == id then return o end end
  return nil
end
`;

/** KEYS lobby, code; ARGV code, inst, id, name, nameKey, peerId, settingsJson, lobbyTtl, codeTtl. */
const CREATE = `${COMMON}
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[9]) then return 'taken' end
local m = { id = ARGV[3], name = ARGV[4], key = ARGV[5], ready = false, peerId = ARGV[6], inst = ARGV[2], seq = 0 }
local meta = { hostId = ARGV[3], started = false, seq = 1, settings = cjson.decode(ARGV[7]) }
redis.call('HSET', KEYS[1], 'meta', cjson.encode(meta), 'm:' .. ARGV[3], cjson.encode(m))
redis.call('PEXPIRE', KEYS[1], ARGV[8])
emit(ARGV[1], meta, { m }, '"e":"joined","id":' .. cjson.encode(ARGV[3]))
return 'ok'
`;

/** KEYS lobby, code; ARGV code, inst, id, name, nameKey, peerId, nameOk, lobbyTtl, codeTtl. */
const JOIN = `${COMMON}
local meta, list = load(KEYS[1])
if meta == nil then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 'expired-lobby' end
  return 'unknown-lobby'
end
if meta.started then return 'in-progress' end
if #list >= meta.settings.capacity then return 'lobby-full' end
if ARGV[7] ~= '1' then return 'bad-name' end
for _, o in ipairs(list) do
  if o.key == ARGV[5] then return 'name-taken' end
  if o.id == ARGV[3] then return 'retry' end
end
local m = { id = ARGV[3], name = ARGV[4], key = ARGV[5], ready = false, peerId = ARGV[6], inst = ARGV[2], seq = meta.seq }
meta.seq = meta.seq + 1
if meta.hostId == cjson.null then meta.hostId = ARGV[3] end
list[#list + 1] = m
redis.call('HSET', KEYS[1], 'meta', cjson.encode(meta), 'm:' .. ARGV[3], cjson.encode(m))
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[9])
emit(ARGV[1], meta, list, '"e":"joined","id":' .. cjson.encode(ARGV[3]))
return 'ok'
`;

/** KEYS lobby; ARGV code, id, reason, emptyTtl. */
const LEAVE = `${COMMON}
local meta, list = load(KEYS[1])
if meta == nil or find(list, ARGV[2]) == nil then return 'gone' end
remove(KEYS[1], ARGV[1], meta, list, ARGV[2], ARGV[3], ARGV[4])
return 'ok'
`;

/** KEYS lobby; ARGV code, dead instance, emptyTtl. Removes the members of an instance whose presence expired. */
const REAP = `${COMMON}
if redis.call('EXISTS', P .. 'i:' .. ARGV[2]) == 1 then return 0 end
local meta, list = load(KEYS[1])
if meta == nil then return 0 end
local n = 0
for _, o in ipairs(list) do
  if o.inst == ARGV[2] then
    list = remove(KEYS[1], ARGV[1], meta, list, o.id, 'disconnected', ARGV[3])
    n = n + 1
  end
end
return n
`;

/** KEYS lobby; ARGV code, id, ready ('1' or '0'). */
const READY = `${COMMON}
local meta, list = load(KEYS[1])
if meta == nil then return 'gone' end
local m = find(list, ARGV[2])
if m == nil then return 'gone' end
m.ready = ARGV[3] == '1'
redis.call('HSET', KEYS[1], 'm:' .. ARGV[2], cjson.encode(m))
emit(ARGV[1], meta, list, '"e":"ready","id":' .. cjson.encode(ARGV[2]))
return 'ok'
`;

/** KEYS lobby; ARGV code, id, 'start' or 'reopen'. Host only. */
const START = `${COMMON}
local meta, list = load(KEYS[1])
if meta == nil or find(list, ARGV[2]) == nil then return 'not-in-lobby' end
if meta.hostId ~= ARGV[2] then return 'not-host' end
if ARGV[3] == 'start' then
  if meta.started then return 'in-progress' end
  meta.started = true
  redis.call('HSET', KEYS[1], 'meta', cjson.encode(meta))
  emit(ARGV[1], meta, list, '"e":"started"')
else
  meta.started = false
  redis.call('HSET', KEYS[1], 'meta', cjson.encode(meta))
  for _, o in ipairs(list) do
    o.ready = false
    redis.call('HSET', KEYS[1], 'm:' .. o.id, cjson.encode(o))
  end
  emit(ARGV[1], meta, list, '"e":"reopened"')
end
return 'ok'
`;

/**
 * KEYS lobby, code; ARGV code, inst, settingsJson, started, hostId, members (JSON array of this
 * instance's members), lobbyTtl, codeTtl. After a reconnect: puts this instance's members back
 * (the lobby itself too, if Redis lost it) and removes the ones of this instance that are gone.
 */
const RESTORE = `${COMMON}
local meta, list = load(KEYS[1])
if meta == nil then meta = { hostId = cjson.null, started = ARGV[4] == '1', seq = 0, settings = cjson.decode(ARGV[3]) } end
local keep, seen = {}, {}
for _, o in ipairs(list) do
  if o.inst ~= ARGV[2] then keep[#keep + 1] = o; seen[o.id] = true end
end
for _, o in ipairs(cjson.decode(ARGV[6])) do
  if not seen[o.id] then o.inst = ARGV[2]; keep[#keep + 1] = o end
end
table.sort(keep, function(a, b) return a.seq < b.seq end)
redis.call('DEL', KEYS[1])
for _, o in ipairs(keep) do
  if o.seq >= meta.seq then meta.seq = o.seq + 1 end
  redis.call('HSET', KEYS[1], 'm:' .. o.id, cjson.encode(o))
end
if meta.hostId == cjson.null or find(keep, meta.hostId) == nil then
  if find(keep, ARGV[5]) ~= nil then meta.hostId = ARGV[5]
  elseif keep[1] then meta.hostId = keep[1].id
  else meta.hostId = cjson.null end
end
redis.call('HSET', KEYS[1], 'meta', cjson.encode(meta))
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[8])
emit(ARGV[1], meta, keep, '"e":"restored","id":' .. cjson.encode(ARGV[2]), ARGV[2])
return 'ok'
`;

/** Script sources by the command name ioredis defines for each, with their key counts. */
export const SCRIPTS = {
  rpCreate: { numberOfKeys: 2, lua: CREATE },
  rpJoin: { numberOfKeys: 2, lua: JOIN },
  rpLeave: { numberOfKeys: 1, lua: LEAVE },
  rpReap: { numberOfKeys: 1, lua: REAP },
  rpReady: { numberOfKeys: 1, lua: READY },
  rpStart: { numberOfKeys: 1, lua: START },
  rpRestore: { numberOfKeys: 2, lua: RESTORE },
} as const;

/** The client methods `defineCommand` adds (keys first, then arguments). */
export type ScriptCommands = {
  readonly [K in keyof typeof SCRIPTS]: (...args: (string | number)[]) => Promise<unknown>;
};
