-- wrk script for the claim benchmarks. By default every request claims for a new user id, so each one
-- walks the grant path (script, Kafka send and ack) rather than the cheaper ALREADY_ISSUED answer.
-- Environment: CAMPAIGN (the campaign to claim from) or TARGET (any path to POST to, such as /noop);
-- RUN (a tag that keeps user ids apart across runs); USERS (when set, cycle through that many fixed
-- users instead: duplicate claims); TOKENS (a file of bearer tokens, one a line, for an instance in jwt
-- mode: each request sends the next one as Authorization: Bearer, cycling when they run out, which
-- done() reports as "tokens: N, requests: M").
local counter = 0
local campaign = os.getenv("CAMPAIGN") or "bench"
local target = os.getenv("TARGET") or ("/api/campaigns/" .. campaign .. "/coupons")
-- ids must not repeat across wrk runs against the same campaign, or they answer ALREADY_ISSUED
local run = os.getenv("RUN") or tostring(os.time())
local users = tonumber(os.getenv("USERS") or "0")
local tokens_file = os.getenv("TOKENS")
local tokens = nil
ntokens = 0
sent = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.path = target
  statuses = {}
  if tokens_file then
    -- read before the clock starts (wrk runs init before its threads); "Bearer " added once here
    tokens = {}
    for line in io.lines(tokens_file) do
      ntokens = ntokens + 1
      tokens[ntokens] = "Bearer " .. line
    end
  end
end

function request()
  counter = counter + 1
  sent = counter
  if tokens then
    wrk.headers["Authorization"] = tokens[(counter - 1) % ntokens + 1]
  elseif users > 0 then
    wrk.headers["X-User-Id"] = "dup-" .. (counter % users)
  else
    wrk.headers["X-User-Id"] = "wrk-" .. run .. "-" .. tid .. "-" .. counter
  end
  return wrk.format()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, p in ipairs({ 50, 90, 99 }) do
    io.write(string.format("latency p%d: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("requests/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout))
  for _, thread in ipairs(threads) do
    if thread:get("ntokens") > 0 then
      io.write(string.format("tokens: %d, requests: %d\n", thread:get("ntokens"), thread:get("sent")))
    end
    local s = thread:get("statuses")
    for status, n in pairs(s) do
      io.write(string.format("status %d: %d\n", status, n))
    end
  end
end
