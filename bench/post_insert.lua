-- POST one small form per request to the bare baseline's insert endpoint.
local common = dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")
local counter = 0

setup = common.setup
done = common.done

function request()
  counter = counter + 1
  return wrk.format("POST", wrk.path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, string.format("note=thread-%d-request-%d", thread_id or 0, counter))
end
