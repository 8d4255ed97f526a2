-- wrk script: each connection is a browser that GETs the clause page, POSTs its form with the
-- page's tokens and follows the 303 to the receipt page, over and over (bench/load.py runs it with
-- as many threads as connections, so a thread's state is one browser's).
-- Arguments: clause page path, form action path, and optionally a period in ms: then each browser
-- starts a comment once per period (from a random first moment), and a 429/503 with Retry-After
-- is answered as a person would, by waiting that long and sending the same request again (the
-- busy page's 重新提交 button re-posts the same form); those comments are counted as "waited".
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } wf_timespec;
  int clock_gettime(int clk_id, wf_timespec *tp);
]]
local clock = ffi.new("wf_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("client_id", #threads)
end

local page, action, client, period
local step, cookie, location, started, n = "form", nil, nil, 0, 0
local pause, waited_this = 0, false
comments, errors, latencies, waited = 0, 0, {}, 0
error_kinds = {}

function init(args)
  page, action, client = args[1], args[2], tostring(client_id or 0)
  period = tonumber(args[3])
  if period then
    math.randomseed(client_id or 0)
    pause = math.random(0, math.floor(period))
  end
end

function delay()
  local ms = pause
  pause = 0
  return ms
end

local function escape(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function headers(extra)
  local h = extra or {}
  if cookie then h["Cookie"] = cookie end
  return h
end

local fields = nil

function request()
  if step == "form" then
    if not waited_this then started = now_ms() end -- a form GET sent again keeps its comment's start
    return wrk.format("GET", page, headers())
  elseif step == "post" then
    n = n + 1
    local body = fields .. "&stance=amend&identity_type=individual&consent=y&website=" ..
      "&email=" .. escape("load" .. client .. "@example.com") ..
      "&body=" .. escape("压测意见" .. client .. "-" .. n .. ":建议进一步明确申报条件和兑现时间。")
    return wrk.format("POST", action, headers({["Content-Type"] = "application/x-www-form-urlencoded"}), body)
  else
    return wrk.format("GET", location, headers())
  end
end

local function failed(kind)
  errors = errors + 1
  error_kinds[kind] = (error_kinds[kind] or 0) + 1
  step = "form"
end

function response(status, response_headers, body)
  local set = response_headers["Set-Cookie"]
  if set then cookie = set:match("^([^;]+)") end
  local retry = tonumber(response_headers["Retry-After"] or "")
  if period and retry and (status == 503 or status == 429) then
    -- At most 4.5 s: gunicorn closes a connection idle for 5 s (keepalive), and a close while
    -- wrk waits to send desynchronises its requests and responses.
    pause, waited_this = math.min(retry * 1000, 4500), true
    return -- the same request again after the pause
  end
  if step == "form" then
    if status ~= 200 then return failed("GET " .. status) end
    local parts = {}
    for tag in body:gmatch("<input[^>]*>") do
      local name, value = tag:match('name="([^"]+)"'), tag:match('value="([^"]*)"')
      if value and (name == "csrf_token" or name == "token") then
        table.insert(parts, name .. "=" .. escape(value))
      end
    end
    fields = table.concat(parts, "&")
    step = "post"
  elseif step == "post" then
    if status ~= 303 then return failed("POST " .. status) end
    location = response_headers["Location"]:gsub("^https?://[^/]+", "")
    step = "receipt"
  else
    if status ~= 200 then return failed("receipt " .. status) end
    comments = comments + 1
    table.insert(latencies, now_ms() - started)
    if waited_this then waited, waited_this = waited + 1, false end
    step = "form"
    if period then pause = math.max(0, period - (now_ms() - started)) end
  end
end

function done(summary, latency, requests)
  local all, total_errors, kinds, total_waited = {}, 0, {}, 0
  for _, thread in ipairs(threads) do
    for _, ms in ipairs(thread:get("latencies")) do table.insert(all, ms) end
    total_errors = total_errors + thread:get("errors")
    total_waited = total_waited + thread:get("waited")
    for kind, count in pairs(thread:get("error_kinds")) do kinds[kind] = (kinds[kind] or 0) + count end
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return 0 end
    return all[math.min(#all, math.floor(#all * p) + 1)]
  end
  io.write(string.format("comment-flow comments=%d errors=%d seconds=%.3f p50=%.1f p99=%.1f waited=%d\n",
    #all, total_errors, summary.duration / 1e6, pct(0.5), pct(0.99), total_waited))
  for kind, count in pairs(kinds) do io.write(string.format("comment-flow-error %s=%d\n", kind, count)) end
end
