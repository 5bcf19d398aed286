#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\nHello World!\n'
