#!/bin/sh
# The example's CGI script: any executable in cgi-bin/ is one.
printf 'Content-Type: text/plain\r\n\r\n'
printf 'Hello from a CGI script\n'
printf 'SCRIPT_NAME=%s\nPATH_INFO=%s\nQUERY_STRING=%s\n' "$SCRIPT_NAME" "$PATH_INFO" "$QUERY_STRING"
