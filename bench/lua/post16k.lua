-- A 16 KiB POST body, the same bytes on every request; the app echoes it.
wrk.method = "POST"
wrk.body = string.rep("0123456789abcdef", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
