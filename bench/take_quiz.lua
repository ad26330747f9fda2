-- Take quizzes, signed in, as a learner does: open the quiz page (the server draws the
-- scenarios and option order), then answer A to every scenario drawn and submit it.
-- Each thread keeps the pages it has read until a connection is free to post them; the
-- session is found from the page's CSRF token. A fresh submission_id per post.
-- Throughput is counted in submissions stored (303s): "BENCH_POSTS n" for the runner.
local common = dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local sessions = common.sessions()
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local by_csrf = {}
for _, s in ipairs(sessions) do by_csrf[s.csrf] = s end
local ready = {}
local opened, posted = 0, 0
posts = 0
local threads = {}

function setup(thread)
  common.setup(thread)
  table.insert(threads, thread)
end

function request()
  if #ready > 0 then
    local item = table.remove(ready, 1)
    return wrk.format("POST", wrk.path, {
      ["Cookie"] = item.cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, item.body)
  end
  opened = opened + 1
  local s = sessions[(opened + (thread_id or 0)) % #sessions + 1]
  return wrk.format("GET", wrk.path, { ["Cookie"] = s.cookie })
end

function response(status, headers, body)
  if status == 303 then
    posts = posts + 1
    return
  end
  if status ~= 200 or body == nil then return end
  local csrf = string.match(body, 'name="csrf_token" value="([^"]+)"')
  local draw = string.match(body, 'name="draw_id" value="(%d+)"')
  local hash = string.match(body, 'name="quiz_hash" value="([^"]+)"')
  local s = csrf and by_csrf[csrf]
  if not (s and draw and hash) then return end
  posted = posted + 1
  local parts = {
    "csrf_token=" .. csrf, "draw_id=" .. draw, "quiz_hash=" .. hash,
    string.format("submission_id=%s-%d-%d", nonce, thread_id or 0, posted),
  }
  local seen = {}
  for name in string.gmatch(body, 'name="(answer%-[%w%-]+)"') do
    if not seen[name] then
      seen[name] = true
      parts[#parts + 1] = name .. "=A"
    end
  end
  table.insert(ready, { cookie = s.cookie, body = table.concat(parts, "&") })
end

function done(summary, latency, requests)
  common.done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + (thread:get("posts") or 0) end
  io.write(string.format("BENCH_POSTS %d\n", total))
end
