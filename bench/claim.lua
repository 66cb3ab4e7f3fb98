-- wrk script: every request claims for a new user id, so each one walks the grant path
-- (Lua script, Kafka send and ack) rather than the cheaper ALREADY_ISSUED answer.
local counter = 0
local campaign = os.getenv("CAMPAIGN") or "bench"
-- ids must not repeat across wrk runs against the same campaign, or they answer ALREADY_ISSUED
local run = os.getenv("RUN") or tostring(os.time())
local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/api/campaigns/" .. campaign .. "/coupons"
  statuses = {}
end

function request()
  counter = counter + 1
  wrk.headers["X-User-Id"] = "wrk-" .. run .. "-" .. tid .. "-" .. counter
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
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for status, n in pairs(s) do
      io.write(string.format("status %d: %d\n", status, n))
    end
  end
end
