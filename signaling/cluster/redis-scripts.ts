/**
 * The Lua scripts that change lobby state in Redis. Each runs atomically, so every check (capacity,
 * names, host) and its change happen in one step, and each (but CREATE, whose only member is on the
 * calling instance) ends by appending one state event (the whole lobby after the change, plus what
 * changed) to the stream of every instance holding a member of the lobby: instances see a lobby's
 * changes in one order, and rebuild their local view from any event. Keys: `rp:l:<code>` a hash (`meta` plus `m:<member id>` per member), `rp:c:<code>` the code
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
  local meta, list, away, tokens = nil, {}, {}, {}
  for i = 1, #all, 2 do
    local f = all[i]
    local p = string.sub(f, 1, 2)
    if f == 'meta' then meta = cjson.decode(all[i + 1])
    elseif p == 'm:' then list[#list + 1] = cjson.decode(all[i + 1])
    elseif p == 'a:' then away[#away + 1] = cjson.decode(all[i + 1])
    elseif p == 't:' then tokens[string.sub(f, 3)] = all[i + 1] end
  end
  table.sort(list, function(a, b) return a.seq < b.seq end)
  return meta, list, away, tokens
end
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function prune(lk, away, ttl)
  local keep, n = {}, now()
  for _, a in ipairs(away) do
    if n - a.since < tonumber(ttl) then keep[#keep + 1] = a else redis.call('HDEL', lk, 'a:' .. a.id, 't:' .. a.id) end
  end
  return keep
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
-- mode: 'seat' keeps an away seat (resumable with the token), 'drop' forgets the token, 'replace'
-- (a rejoin took the membership over) keeps the token for the new socket and tells its old instance.
local function remove(lk, code, meta, list, id, reason, emptyTtl, mode, extra)
  local rest, gone = {}, nil
  for _, o in ipairs(list) do if o.id ~= id then rest[#rest + 1] = o else gone = o end end
  redis.call('HDEL', lk, 'm:' .. id)
  if mode == 'seat' then
    redis.call('HSET', lk, 'a:' .. id, cjson.encode({ id = id, name = gone.name, key = gone.key, since = now() }))
  elseif mode == 'drop' then
    redis.call('HDEL', lk, 't:' .. id)
  end
  if meta.hostId == id then
    if rest[1] then meta.hostId = rest[1].id else meta.hostId = cjson.null end
  end
  redis.call('HSET', lk, 'meta', cjson.encode(meta))
  if #rest == 0 then redis.call('PEXPIRE', lk, emptyTtl) end
  local ev = '"e":"left","id":' .. cjson.encode(id) .. ',"reason":' .. cjson.encode(reason)
  if mode == 'replace' then ev = ev .. ',"replaced":true' end
  emit(code, meta, rest, ev, extra)
  return rest
end
local function find(list, id)
  for _, o in ipairs(list) do if o.id == id then return o end end
  return nil
end
`;

/**
 * KEYS lobby, code; ARGV code, inst, id, name, nameKey, peerId, settingsJson, lobbyTtl, codeTtl, tokenHash.
 * No event: the only member is the creator, whose instance admits it from the reply.
 */
const CREATE = `${COMMON}
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[9]) then return 'taken' end
local m = { id = ARGV[3], name = ARGV[4], key = ARGV[5], ready = false, peerId = ARGV[6], inst = ARGV[2], seq = 0 }
local meta = { hostId = ARGV[3], started = false, seq = 1, settings = cjson.decode(ARGV[7]) }
redis.call('HSET', KEYS[1], 'meta', cjson.encode(meta), 'm:' .. ARGV[3], cjson.encode(m), 't:' .. ARGV[3], ARGV[10])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return 'ok'
`;

/**
 * KEYS lobby, code; ARGV code, inst, ticket (the new member's id), name, nameKey, peerId, nameOk,
 * lobbyTtl, codeTtl, tokenHash, rejoinHash ('' for a fresh join), replace ('1'/'0'), emptyTtl.
 * A rejoin resumes the member (or away seat) whose token hashes to rejoinHash: same id and name,
 * neither a started nor a full lobby refuses it; a member still listed is replaced (its instance
 * closes its old socket) unless replace is '0'. Away seats count against capacity, and their names.
 */
const JOIN = `${COMMON}
local meta, list, away, tokens = load(KEYS[1])
if meta == nil then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 'expired-lobby' end
  return 'unknown-lobby'
end
away = prune(KEYS[1], away, ARGV[13])
local id, name, key, rejoined = ARGV[3], ARGV[4], ARGV[5], false
if ARGV[11] ~= '' then
  local found = nil
  for mid, h in pairs(tokens) do if h == ARGV[11] then found = mid end end
  if found == nil then return 'bad-rejoin' end
  local slot = find(list, found)
  if slot ~= nil then
    if ARGV[12] ~= '1' then return 'bad-rejoin' end
    list = remove(KEYS[1], ARGV[1], meta, list, found, 'disconnected', ARGV[13], 'replace', slot.inst)
  else
    for _, a in ipairs(away) do if a.id == found then slot = a end end
    if slot == nil then return 'bad-rejoin' end
    redis.call('HDEL', KEYS[1], 'a:' .. found)
  end
  id, name, key, rejoined = found, slot.name, slot.key, true
else
  if meta.started then return 'in-progress' end
  if #list + #away >= meta.settings.capacity then return 'lobby-full' end
  if ARGV[7] ~= '1' then return 'bad-name' end
  for _, o in ipairs(list) do
    if o.key == key then return 'name-taken' end
    if o.id == id then return 'retry' end
  end
  for _, o in ipairs(away) do
    if o.key == key then return 'name-taken' end
    if o.id == id then return 'retry' end
  end
  redis.call('HSET', KEYS[1], 't:' .. id, ARGV[10])
end
local m = { id = id, name = name, key = key, ready = false, peerId = ARGV[6], inst = ARGV[2], seq = meta.seq }
meta.seq = meta.seq + 1
if meta.hostId == cjson.null then meta.hostId = id end
list[#list + 1] = m
redis.call('HSET', KEYS[1], 'meta', cjson.encode(meta), 'm:' .. id, cjson.encode(m))
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[9])
local ev = '"e":"joined","id":' .. cjson.encode(id) .. ',"k":' .. cjson.encode(ARGV[3])
if rejoined then ev = ev .. ',"rejoined":true' end
emit(ARGV[1], meta, list, ev)
return 'ok'
`;

/** KEYS lobby; ARGV code, id, reason, emptyTtl, keepSeat ('1': an away seat stays, resumable). */
const LEAVE = `${COMMON}
local meta, list = load(KEYS[1])
if meta == nil or find(list, ARGV[2]) == nil then return 'gone' end
local mode = 'drop'
if ARGV[5] == '1' then mode = 'seat' end
remove(KEYS[1], ARGV[1], meta, list, ARGV[2], ARGV[3], ARGV[4], mode)
return 'ok'
`;

/**
 * KEYS lobby; ARGV code, dead instance, emptyTtl. Removes the members of an instance whose presence
 * expired; each keeps an away seat, so its player can resume it (rejoin token) through another instance.
 */
const REAP = `${COMMON}
if redis.call('EXISTS', P .. 'i:' .. ARGV[2]) == 1 then return 0 end
local meta, list = load(KEYS[1])
if meta == nil then return 0 end
local n = 0
for _, o in ipairs(list) do
  if o.inst == ARGV[2] then
    list = remove(KEYS[1], ARGV[1], meta, list, o.id, 'disconnected', ARGV[3], 'seat')
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
  if not seen[o.id] then
    redis.call('HSET', KEYS[1], 't:' .. o.id, o.th)
    redis.call('HDEL', KEYS[1], 'a:' .. o.id)
    o.th = nil
    o.inst = ARGV[2]
    keep[#keep + 1] = o
  end
end
table.sort(keep, function(a, b) return a.seq < b.seq end)
for _, o in ipairs(list) do
  if o.inst == ARGV[2] and not seen[o.id] then redis.call('HDEL', KEYS[1], 'm:' .. o.id) end
end
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

/** Script sources by name, with their key counts (run through `runScript`, redis-client.ts). */
export const SCRIPTS = {
  rpCreate: { numberOfKeys: 2, lua: CREATE },
  rpJoin: { numberOfKeys: 2, lua: JOIN },
  rpLeave: { numberOfKeys: 1, lua: LEAVE },
  rpReap: { numberOfKeys: 1, lua: REAP },
  rpReady: { numberOfKeys: 1, lua: READY },
  rpStart: { numberOfKeys: 1, lua: START },
  rpRestore: { numberOfKeys: 2, lua: RESTORE },
} as const;
