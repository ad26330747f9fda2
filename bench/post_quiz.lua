-- Submit quizzes, signed in, each post answering a draw prepared for it (bench/papers.py):
-- the rate at which attempts are scored and stored, as the bare insert measures a row.
-- BENCH_SESSIONS: one "cookie|csrf" line per learner; BENCH_PAPERS: one "first|count" line
-- per learner, in the same order (this run's block of draw ids); BENCH_QUIZ_FIELDS: the
-- quiz_hash and one answer per drawn scenario, url-encoded. wrk threads take turns through
-- each block (thread t posts draws t, t+T, t+2T, ...), so no draw is posted twice.
local common = dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local sessions = common.sessions()
local fields = os.getenv("BENCH_QUIZ_FIELDS") or ""
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local papers = {}
for line in string.gmatch(os.getenv("BENCH_PAPERS") or "", "[^\n]+") do
  local first, count = string.match(line, "^(%d+)|(%d+)$")
  papers[#papers + 1] = { first = tonumber(first), count = tonumber(count) }
end
local THREADS = tonumber(os.getenv("BENCH_WRK_THREADS") or "2")
local sent = 0
setup = common.setup
done = common.done

function request()
  local learner = sent % #sessions + 1
  local round = math.floor(sent / #sessions)
  sent = sent + 1
  local s, block = sessions[learner], papers[learner]
  -- Past the end of the block a draw repeats: the runner then sees fewer attempts than posts.
  local index = (round * THREADS + (thread_id or 1) - 1) % block.count
  local body = string.format(
    "csrf_token=%s&draw_id=%d&submission_id=%s-%d-%d&%s",
    s.csrf, block.first + index, nonce, thread_id or 0, sent, fields)
  return wrk.format("POST", wrk.path, {
    ["Cookie"] = s.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
