-- POST a quiz submission, signed in, with the session's CSRF token and a fresh
-- submission_id per request (a repeated id would be deduplicated, not stored).
-- BENCH_BODY holds the answers and quiz_hash, url-encoded; BENCH_NONCE is unique per run.
local common = dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local sessions = common.sessions()
local body = os.getenv("BENCH_BODY") or ""
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local counter = 0

setup = common.setup
done = common.done

function request()
  counter = counter + 1
  local s = sessions[(counter + (thread_id or 0)) % #sessions + 1]
  local submission = string.format("%s-%d-%d", nonce, thread_id or 0, counter)
  return wrk.format("POST", wrk.path, {
    ["Cookie"] = s.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body .. "&csrf_token=" .. s.csrf .. "&submission_id=" .. submission)
end
