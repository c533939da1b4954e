#!/bin/bash
# The report's database section against a real PostgreSQL: an outage, a lock
# wait and a migration that the test injects at known times are found in the
# JSON report within one probe interval, and --max-db-down / --max-lock-wait
# pass above and fail below what happened. Hand-made logs cover the edges.
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
REPORT=$PB_BUILD/pbprobe-report
DATA=$PB_SRC/t/data
IVL_US=100000
TOL_US=$((IVL_US + 50000))
PG=$TEST_DIR/pg
pgport=$(free_port)
ngport=$(free_port)
now_us() { date +%s%6N; }
# jq's exit status: true when the filter, given $a and $b in microseconds, holds
within() { jq -e --argjson a "$2" --argjson b "$3" "($1) * 1e6 >= \$a - $TOL_US and ($1) * 1e6 <= \$b + $TOL_US" "$4" >/dev/null; }

test_expect_success 'setup: PostgreSQL with an alembic_version table, and nginx' '
	test_pg_alembic "$PG" $pgport &&
	ci=$(svc_pg_conninfo "$PG" $pgport) &&
	svc_nginx_start "$TEST_DIR/ng" $ngport
'

test_expect_success 'a database stopped for a known time: the unreachable window matches it' '
	"$PB" -q --db "$ci" --rate 50 --duration 4s -o down.log http://127.0.0.1:$ngport/ &
	pb=$! && sleep 1 &&
	down_from=$(now_us) && svc_pg_stop "$PG" && down_to=$(now_us) && sleep 1 &&
	up_from=$(now_us) && svc_pg_start "$PG" $pgport && up_to=$(now_us) &&
	wait $pb &&
	"$REPORT" -f json -o down.json down.log &&
	jq -e ".database.unreachable | length == 1" down.json >/dev/null &&
	within ".database.unreachable[0].start" $down_from $down_to down.json &&
	within ".database.unreachable[0].end" $up_from $up_to down.json &&
	jq -e ".database.unreachable[0].open == false and .database.reachable" down.json >/dev/null &&
	jq -r ".database.unreachable[0] | \"measured: stop \\(.start) .. \\(.end), \\(.duration_s)s\"" down.json &&
	echo "injected: stop $down_from..$down_to, start $up_from..$up_to"
'

test_expect_success '--max-db-down passes above the window and fails below it' '
	"$REPORT" --max-db-down 10s down.log >pass.txt &&
	{ "$REPORT" --max-db-down 200ms down.log >fail.txt; test $? -eq 1; } &&
	grep -q "^FAIL  database: unreachable for" fail.txt &&
	{ "$REPORT" -f junit --max-db-down 200ms down.log >fail.xml; test $? -eq 1; } &&
	grep -q "failure type=\"max-db-down\"" fail.xml
'

test_expect_success 'without a database rule the outage is shown but does not fail the gate' '
	"$REPORT" down.log >plain.txt &&
	grep -q "^  unreachable from" plain.txt
'

test_expect_success 'a lock held while a session waits: the interval, relation and mode' '
	"$PB" -q --db "$ci" --rate 20 --duration 3s -o lock.log http://127.0.0.1:$ngport/ &
	pb=$! && test_wait_for 10 pg_prober_connected "$ci" && sleep 0.3 &&
	{ psql "$ci" -qc "BEGIN; LOCK TABLE helpingmaterial IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1.5); COMMIT" >/dev/null & holder=$!; } &&
	sleep 0.2 &&
	# the wait'"'"'s true edges, read in the waiting session from the server'"'"'s clock
	psql "$ci" -qAt -c "$SQL_NOW_US" -c "SELECT count(*) FROM helpingmaterial" -c "$SQL_NOW_US" >waited &&
	wait_from=$(sed -n 1p waited) && wait_to=$(sed -n 3p waited) &&
	wait $holder && wait $pb &&
	"$REPORT" -f json -o lock.json lock.log &&
	jq -e ".database.lock_waits | length == 1" lock.json >/dev/null &&
	within ".database.lock_waits[0].start" $wait_from $wait_from lock.json &&
	within ".database.lock_waits[0].end" $wait_to $wait_to lock.json &&
	jq -e ".database.lock_waits[0] | .relation == \"helpingmaterial\" and .mode == \"AccessExclusiveLock\" and .peak_waiting >= 1 and .open == false" lock.json >/dev/null &&
	jq -e ".database.lock_waits[0].targets[0].requests > 0" lock.json >/dev/null &&
	jq -r ".database.lock_waits[0] | \"measured: \\(.start) .. \\(.end), \\(.duration_s)s, longest wait \\(.longest_wait_s)s\"" lock.json &&
	echo "injected: wait $wait_from .. $wait_to"
'

test_expect_success '--max-lock-wait passes above the wait and fails below it' '
	"$REPORT" --max-lock-wait 10s lock.log >/dev/null &&
	{ "$REPORT" --max-lock-wait 200ms lock.log >fail.txt; test $? -eq 1; } &&
	grep -q "^FAIL  database: sessions waited on a lock for .* helpingmaterial" fail.txt
'

test_expect_success 'a migration at a known time: the schema change in the JSON' '
	"$PB" -q --db "$ci" --rate 20 --duration 2s -o schema.log http://127.0.0.1:$ngport/ &
	pb=$! && test_wait_for 10 pg_prober_connected "$ci" && sleep 0.5 &&
	psql "$ci" -qAt -c "$SQL_NOW_US" -c "UPDATE alembic_version SET version_num = '"'"'8fe68fbf6baa'"'"'" \
		-c "$SQL_NOW_US" >committed &&
	t_from=$(sed -n 1p committed) && t_to=$(sed -n 2p committed) &&
	wait $pb &&
	"$REPORT" -f json -o schema.json schema.log &&
	jq -e ".database.schema | length == 2 and .[0].value == \"52209719b79e\" and .[1].value == \"8fe68fbf6baa\"" schema.json >/dev/null &&
	within ".database.schema[1].time" $t_from $t_to schema.json &&
	"$REPORT" schema.log | grep -q "schema 52209719b79e .* 8fe68fbf6baa at"
'

test_expect_success 'hand-made: windows, refused connections, schema, and the latency in a lock wait' '
	"$REPORT" -f json -o db.json "$DATA/report-db.log" &&
	jq -e ".database | (.unreachable | length) == 1 and .unreachable[0].duration_s == 1 and
		(.connections_refused | length) == 1 and .connections_refused[0].sqlstates[\"53300\"] == 1 and
		.lock_waits[0].peak_waiting == 2 and .lock_waits[0].longest_wait_s == 0.6 and
		.lock_waits[0].targets[0].p99_ms == 1900 and .lock_waits[0].targets[0].requests == 10 and
		.errors[\"42P01\"] == 1" db.json >/dev/null
'

test_expect_success 'hand-made: a log ending while unreachable and with a lock never cleared' '
	# no end line either: the log was cut short, so the run is inconclusive
	test_expect_code 4 "$REPORT" -f json -o open.json "$DATA/report-db-open.log" &&
	jq -e ".database | .unreachable[0].open and .lock_waits[0].open" open.json >/dev/null &&
	"$REPORT" "$DATA/report-db-open.log" | grep -q "never cleared"
'

test_expect_success 'hand-made: a malformed db line is exit 3 with file:line' '
	{ "$REPORT" "$DATA/bad-db.log" >out 2>err; test $? -eq 3; } &&
	grep -q "bad-db.log:29: db: bad outcome" err
'

test_expect_success 'hand-made: --max-db-down fails when the database was never reachable' '
	awk -F"\t" -v OFS="\t" "\$1 == \"db\" && \$3 == \"query\" { \$4 = \"down\" } 1" \
		"$DATA/report-db.log" >never.log &&
	{ "$REPORT" --max-db-down 1h never.log >out; test $? -eq 1; } &&
	grep -q "never reachable" out
'

test_expect_success 'a log of the database alone: offsets count from its first probe' '
	grep -v "^req\|^target" "$PB_SRC/t/data/report-db.log" >dbonly.log &&
	"$REPORT" --max-db-down 1s dbonly.log >out &&
	grep -F "unreachable from 14:00:01.000 (+1.00s) for 1.00s" out &&
	grep -F "schema 52209719b79e at 14:00:00.000 (+0us)" out
'

test_expect_success 'a log of the database alone: a mark before the first probe does not move the origin' '
	{ head -n 1 dbonly.log &&
		printf "mark\t1764165595000000\tbefore the database\n" &&
		tail -n +2 dbonly.log; } >dbmark.log &&
	"$REPORT" --max-db-down 1s dbmark.log >out &&
	grep -F "unreachable from 14:00:01.000 (+1.00s) for 1.00s" out
'

test_done
