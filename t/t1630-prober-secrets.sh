#!/bin/bash
# Secrets never reach what pbprobe and pbprobe-report write. Planted in real
# runs against nginx, which checks that the requests carried them (it answers
# 200 only then, and logs the query string), then searched for in every
# output: the log, the prober's stderr, every report format and the plot.
# An older log that still carries them is redacted by the report.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
port=$(free_port)
basic=$(printf 'user:P4ssPlant' | base64)
svc_nginx_start "$TEST_DIR/ng" "$port" \
	"location = /basic { if (\$http_authorization != \"Basic $basic\") { return 401; } if (\$http_x_tenant != \"T3nantPlant\") { return 403; } return 200; }" \
	"location = /bearer { if (\$http_authorization != \"Bearer B3arerPlant\") { return 401; } return 200; }" ||
	skip_all "nginx did not start"
ACCESS=$TEST_DIR/ng/access.log
# every planted secret; none is a substring of anything else written
SECRETS="P4ssPlant T0kenPlant K3yPlant Cust0mPlant T3nantPlant B3arerPlant Db9Plant"

# answered STATUS URI_PREFIX: how many requests nginx answered so
answered() {
	awk -F"\t" -v s="$1" -v u="$2" '$3 == s && index($6, u) == 1' "$ACCESS" | wc -l
}

# leaks FILE...: the planted secrets found in FILEs, one "file: secret" a line
leaks() {
	local s
	for s in $SECRETS; do
		grep -l -F -- "$s" "$@" 2>/dev/null | sed "s|\$|: $s|"
	done
}

# reports LOG: every format of the report of LOG, and its plot, in LOG.*
reports() {
	local f
	for f in text json junit markdown; do
		"$REPORT" -f "$f" --max-lag 10s "$1" >"$1.$f" 2>"$1.$f.err"
		test -s "$1.$f" || return 1
	done
	"$REPORT" --max-lag 10s --plot "$1.svg" "$1" >/dev/null 2>"$1.svg.err"
	test -s "$1.svg"
}

test_expect_success 'a URL password, query secrets and a --redact-header value reach nginx, not the log' '
	"$PB" --rate 20 --duration 1s --redact-header x-tenant --redact-query Custom \
		-H "X-Tenant: T3nantPlant" -o basic.log \
		"basic=http://user:P4ssPlant@127.0.0.1:$port/basic?token=T0kenPlant&Key=K3yPlant&custom=Cust0mPlant&page=2" \
		2>basic.err &&
	test "$(answered 200 /basic?token=T0kenPlant)" -gt 10 &&
	test "$(answered 401 /basic)" = 0 && test "$(answered 403 /basic)" = 0 &&
	grep -q "^target	.*	http://user:<redacted>@127.0.0.1:$port/basic?token=<redacted>&Key=<redacted>&custom=<redacted>&page=2	" basic.log &&
	grep -q "X-Tenant: <redacted>" basic.log &&
	leaks basic.log basic.err >found &&
	test_cmp /dev/null found
'

test_expect_success 'an Authorization header and a --db password reach their servers, not the log' '
	"$PB" --rate 20 --duration 1s -H "Authorization: Bearer B3arerPlant" \
		--db "host=127.0.0.1 port=1 user=app password=Db9Plant connect_timeout=1" \
		-o bearer.log "http://127.0.0.1:$port/bearer" 2>bearer.err &&
	test "$(answered 200 /bearer)" -gt 10 && test "$(answered 401 /bearer)" = 0 &&
	grep -q "password=<redacted>" bearer.log &&
	grep -q "Authorization: <redacted>" bearer.log &&
	leaks bearer.log bearer.err >found &&
	test_cmp /dev/null found
'

test_expect_success 'no report format and no plot shows a secret' '
	reports basic.log && reports bearer.log &&
	grep -q "user:<redacted>@" basic.log.json &&
	leaks basic.log.* bearer.log.* >found &&
	test_cmp /dev/null found
'

test_expect_success 'the report redacts what an older log still carries' '
	# a log written before the prober redacted: the planted URL whole
	sed "s|http://user:<redacted>@\([^?]*\)?token=<redacted>&Key=<redacted>&|http://user:P4ssPlant@\1?token=T0kenPlant\&Key=K3yPlant\&|" \
		basic.log >old.log &&
	grep -q "^target	.*P4ssPlant.*T0kenPlant.*K3yPlant" old.log &&
	reports old.log &&
	grep -q "user:<redacted>@127.0.0.1:$port/basic?token=<redacted>&Key=<redacted>&" old.log.json &&
	leaks old.log.* >found &&
	test_cmp /dev/null found
'

test_done
