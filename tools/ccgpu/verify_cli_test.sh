#!/bin/sh
# verify_cli_test.sh EXPECTED_EXIT REGEX COMMAND... — runs COMMAND, prints its
# output, and passes only if it exits with EXPECTED_EXIT and its combined
# output matches the extended regular expression REGEX.
expected="$1"; regex="$2"; shift 2
out=$("$@" 2>&1); rc=$?
printf '%s\n' "$out"
echo "exit code: $rc (expected $expected)"
[ "$rc" -eq "$expected" ] || { echo "FAIL: wrong exit code"; exit 1; }
printf '%s\n' "$out" | grep -Eq -- "$regex" || { echo "FAIL: output does not match: $regex"; exit 1; }
