-- The 1 MiB upload: every request POSTs one multipart/form-data body holding a 1 MiB file part,
-- as a browser's <input type=file> form does. bench/plan.py says why it goes to /methods.
local boundary = "bench-7d3f0c1e9a"
local file = string.rep("0123456789abcdef", 64 * 1024)  -- 1 MiB
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = "--" .. boundary .. "\r\n" ..
  'Content-Disposition: form-data; name="file"; filename="upload.bin"\r\n' ..
  "Content-Type: application/octet-stream\r\n\r\n" ..
  file .. "\r\n--" .. boundary .. "--\r\n"

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "report.lua")
