-- Every request asks the server to close the connection after the response,
-- so every request pays for a new connection (wrk reconnects).
wrk.headers["Connection"] = "close"
