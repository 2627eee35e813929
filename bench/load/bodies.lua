-- wrk script: POST pre-signed LINE webhook bodies to /callback, each once, in order.
-- BODIES names a file of lines "signature<TAB>body"; DELAY_MS (optional) paces each connection.
local bodies, signatures, n = {}, {}, 0
local counter = 0
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

function init(args)
  for line in io.lines(os.getenv("BODIES")) do
    local tab = line:find("\t", 1, true)
    n = n + 1
    signatures[n] = line:sub(1, tab - 1)
    bodies[n] = line:sub(tab + 1)
  end
  step = tonumber(os.getenv("THREADS") or "1")
  i = offset or 0
end

function request()
  i = i + step
  local k = (i % n) + 1
  return wrk.format("POST", "/callback", {
    ["Content-Type"] = "application/json",
    ["X-Line-Signature"] = signatures[k],
  }, bodies[k])
end

function delay()
  return delay_ms
end
