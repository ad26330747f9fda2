-- GET wrk.path, signed in: rotates over the sessions in BENCH_SESSIONS (none for the baseline).
local common = dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local sessions = common.sessions()
local counter = 0

setup = common.setup
done = common.done

function request()
  counter = counter + 1
  local headers = {}
  if #sessions > 0 then
    headers["Cookie"] = sessions[(counter + (thread_id or 0)) % #sessions + 1].cookie
  end
  return wrk.format("GET", wrk.path, headers)
end
