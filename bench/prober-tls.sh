#!/bin/bash
# bench/prober-tls.sh: what TLS and HTTP/2 cost pbprobe, as ratios to wrk
# (HTTP/1.1, over TLS or not) measured in the same run against the same
# private nginx: the highest rate held with no blind time and the CPU per
# request, for plain HTTP, HTTPS keep-alive (--http1.1) and HTTP/2 over TLS
# (--http2). Run by `make bench`; bench/README.md says how to read it. Prints
# a table, writes $BENCH_OUT/prober-tls.json and appends one line to
# $BENCH_OUT/prober-tls-history.tsv.
#
# Usage: bench/prober-tls.sh [--quick] [--rates "R1 R2 ..."]
# Environment: PBPROBE (the binary, required), BENCH_BIN (prober-stats,
# default: next to PBPROBE in bench/), BENCH_OUT (default ./bench/out),
# PB_SRC (the source tree, for lab/services.sh).
set -euo pipefail

QUICK=0
RATES=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--rates) RATES=$2; shift ;;
	-h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "prober-tls.sh: unknown argument \"$1\"" >&2; exit 2 ;;
	esac
	shift
done

: "${PBPROBE:?set PBPROBE to the pbprobe binary (make bench does)}"
BENCH_BIN=${BENCH_BIN:-$(dirname "$PBPROBE")/bench}
BENCH_OUT=${BENCH_OUT:-bench/out}
PB_SRC=${PB_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
STATS=$BENCH_BIN/prober-stats
REPORT=${PBPROBE_REPORT:-$(dirname "$PBPROBE")/pbprobe-report}
for f in "$PBPROBE" "$STATS" "$REPORT"; do
	[ -x "$f" ] || { echo "prober-tls.sh: $f is not built (make bench builds it)" >&2; exit 2; }
done
for tool in openssl wrk jq curl; do
	command -v "$tool" >/dev/null ||
		{ echo "prober-tls.sh: $tool not found (apt-get install $tool)" >&2; exit 2; }
done
[ -f "$PB_SRC/lab/services.sh" ] ||
	{ echo "prober-tls.sh: $PB_SRC/lab/services.sh not found (set PB_SRC)" >&2; exit 2; }

# Full: about 5 minutes; quick: under one. In each mode rates rise until two
# in a row are not held; HTTPS over HTTP/1.1 may hold only the lowest.
# HS_S: the runs that time a TLS handshake (a new connection per request).
if [ "$QUICK" = 1 ]; then
	MODE=quick PEER_S=3 RATE_S=3 HS_S=1
	: "${RATES:=500 2000 5000 10000 20000}"
else
	MODE=full PEER_S=10 RATE_S=10 HS_S=10
	: "${RATES:=500 1000 2000 5000 10000 15000 20000 30000 40000}"
fi
# The modes' CPU per request side by side at one rate every sweep runs (a
# sweep stops after two failures: its second rate is always run).
REF_RATE=$(awk '{ print ($2 == "" ? $1 : $2) }' <<<"$RATES")
HS_RATE=200

# As bench/prober.sh: nginx on one core, every client on the other.
if [ "$(nproc)" -ge 2 ]; then
	CLIENT=(taskset -c 0) SERVER_CPU=1 PINNING="client CPU 0, nginx CPU 1"
else
	CLIENT=() SERVER_CPU="" PINNING="one CPU: nothing pinned"
fi

mkdir -p "$BENCH_OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pbprobe-bench-tls.XXXXXX")
export SVC_REGISTRY=$WORK/svc-registry
# shellcheck source-path=SCRIPTDIR/.. source=lab/services.sh
. "$PB_SRC/lab/services.sh"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	svc_stop_all 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- a throwaway CA and a certificate for 127.0.0.1 (as t/t1640) ---
C=$WORK/pki
mkdir -p "$C"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
{
	openssl req -x509 "${ec[@]}" -nodes -keyout "$C/ca.key" -out "$C/ca.pem" -days 2 \
		-subj "/CN=pbprobe bench CA" &&
		openssl req "${ec[@]}" -nodes -keyout "$C/server.key" -out "$C/server.csr" -subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$C/server.ext" &&
		openssl x509 -req -in "$C/server.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
			-out "$C/server.pem" -days 2 -extfile "$C/server.ext"
} >"$WORK/openssl.out" 2>&1 ||
	{ echo "prober-tls.sh: openssl could not make the certificates: $(tail -n 3 "$WORK/openssl.out")" >&2; exit 2; }

# --- one nginx: plain HTTP and TLS (HTTP/1.1 or HTTP/2 by ALPN) ---
PORT=$(svc_free_port) TLS_PORT=$(svc_free_port)
svc_nginx_start "$WORK/nginx" "$PORT" 'access_log off;' 'keepalive_requests 1000000;' \
	"listen 127.0.0.1:$TLS_PORT ssl http2;" \
	"ssl_certificate $C/server.pem;" "ssl_certificate_key $C/server.key;" \
	'ssl_protocols TLSv1.2 TLSv1.3;' \
	'location = /hello { return 200 "hello\n"; }' ||
	{ echo "prober-tls.sh: nginx did not start" >&2; exit 2; }
if [ -n "$SERVER_CPU" ]; then
	master=$(cat "$WORK/nginx/nginx.pid")
	for pid in $master $(pgrep -P "$master"); do
		taskset -a -p -c "$SERVER_CPU" "$pid" >/dev/null
	done
fi
HTTP_URL=http://127.0.0.1:$PORT/hello
HTTPS_URL=https://127.0.0.1:$TLS_PORT/hello
for v in 1.1 2; do
	got=$(curl -fsS -m 10 --cacert "$C/ca.pem" --http"$v" -o /dev/null -w '%{http_version}' "$HTTPS_URL" 2>&1) || true
	if [ "$got" != "$v" ]; then
		echo "prober-tls.sh: nginx does not answer HTTP/$v on $HTTPS_URL: $got" >&2
		exit 1
	fi
done
curl -fsS -m 10 "$HTTP_URL" >/dev/null 2>&1 || { echo "prober-tls.sh: nginx does not answer on $HTTP_URL" >&2; exit 1; }
TLS_SAYS=$(timeout 10 openssl s_client -brief -connect "127.0.0.1:$TLS_PORT" -CAfile "$C/ca.pem" </dev/null 2>&1 |
	awk -F': ' '/^Protocol version/{p=$2} /^Ciphersuite/{c=$2} END{print p, c}')

# kv, cpu_time, human_us
# shellcheck source=lib.sh
. "$PB_SRC/bench/lib.sh"

echo "pbprobe TLS benchmark: $MODE, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs," \
	"load $(cut -d' ' -f1 /proc/loadavg), $PINNING"
echo "nginx $(nginx -v 2>&1 | sed 's|.*/||'), one worker; TLS: $TLS_SAYS, P-256 certificate;" \
	"$("$PBPROBE" --version | grep -o 'libcurl/[^ ]* [^ ]*')"
echo "A shared machine: every figure moves between runs; compare ratios, repeat, report ranges."
echo

# --- wrk, closed loop, 50 connections: its peak and its CPU per request ---
# wrk URL: sets WRK_RPS and WRK_CPU_US (null when it could not run)
wrk_peak() {
	WRK_RPS=null WRK_CPU_US=null
	cpu_time "${CLIENT[@]}" wrk -t1 -c50 -d"${PEER_S}s" "$1" || return 0
	local n
	n=$(awk '/ requests in /{print $1}' "$WORK/out")
	WRK_RPS=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$WORK/out")
	WRK_CPU_US=$(awk -v n="${n:-0}" -v c="$CPU_S" 'BEGIN{ if (n > 0) printf "%.1f", c * 1e6 / n; else print "null" }')
	# errors or non-200 answers would make the peak a lie: say so
	if grep -q -e '^  Socket errors' -e '^  Non-2xx' "$WORK/out"; then
		echo "prober-tls.sh: wrk $1: $(grep -e '^  Socket errors' -e '^  Non-2xx' "$WORK/out" | tr -s ' ')" >&2
	fi
	: "${WRK_RPS:=null}"
}
wrk_peak "$HTTP_URL"
WRK_HTTP_RPS=$WRK_RPS WRK_HTTP_CPU=$WRK_CPU_US
wrk_peak "$HTTPS_URL"
WRK_TLS_RPS=$WRK_RPS WRK_TLS_CPU=$WRK_CPU_US
printf 'wrk -t1 -c50, closed loop, %ss each        requests/s  cpu/req\n' "$PEER_S"
printf '  http                                    %10s  %6sus\n' "$WRK_HTTP_RPS" "$WRK_HTTP_CPU"
printf '  https (HTTP/1.1 over TLS, keep-alive)   %10s  %6sus\n\n' "$WRK_TLS_RPS" "$WRK_TLS_CPU"

# --- pbprobe at rising rates, in each mode ---
# Held: no blind time (pbprobe-report: no tick skipped, missing or sent later
# than --max-lag), every answer a 200 in the protocol asked for, and 200s /
# span >= 99% of the rate (span: first tick to last answer, as prober.sh).
# Later: the ticks skipped or late from the report's third one-second bucket
# on, 1 to 2 s after the start: 0 beside blind time says it was all start-up.
# sweep NAME PROTOCOL URL [OPTION...]: sets HELD, HELD_CPU_US, REF_CPU_US
# (at REF_RATE), ROWS
sweep() {
	local name=$1 proto=$2 url=$3 rate log s j ok n span achieved cpu_us blind later protos verdict fails=0
	shift 3
	HELD=0 HELD_CPU_US=null REF_CPU_US=null ROWS=""
	printf 'pbprobe %s, open loop, %ss per rate\n' "$name" "$RATE_S"
	printf '  %7s %9s %8s  %-19s %-20s %7s %5s %7s %6s  %s\n' asked achieved skipped \
		"send delay p50/p99" "latency p50/p99/max" "cpu/req" conns blind later verdict
	for rate in $RATES; do
		log=$WORK/$name-$rate.log
		cpu_time "${CLIENT[@]}" "$PBPROBE" --rate "$rate" --duration "${RATE_S}s" -q -o "$log" "$@" "$url" ||
			{ echo "prober-tls.sh: pbprobe $name failed at $rate/s: $(head -c 300 "$WORK/err")" >&2; exit 1; }
		s=$("$STATS" "$log")
		# its exit status is the verdict (4, inconclusive, is what blind time makes)
		j=$("$REPORT" -f json "$log" 2>/dev/null || true)
		blind=$(jq '[.targets[].blind_s] | add // 0' <<<"$j")
		later=$(jq '[.targets[].series | (.late[2:] | add // 0) + (.skipped[2:] | add // 0)] | add // 0' <<<"$j")
		# the protocols that answered: "2" or "1.1" when right
		protos=$(jq -r '[.targets[].by_protocol[]? | .protocol // "-"] | unique | join(",")' <<<"$j")
		: "${blind:=null}" "${later:=null}" "${protos:=?}" # no report: never held
		ok=$(kv "$s" ok) n=$(kv "$s" requests) span=$(kv "$s" span_s)
		read -r achieved cpu_us verdict < <(awk -v ok="$ok" -v n="$n" -v span="$span" -v d="$RATE_S" \
			-v r="$rate" -v cpu="$CPU_S" -v blind="$blind" 'BEGIN {
			if (span < d) span = d
			a = ok / span
			printf "%.0f %.1f %s\n", a, (ok ? cpu * 1e6 / ok : 0), ((blind == 0 && ok == n && a >= 0.99 * r) ? "held" : "not held") }')
		[ "$verdict" = held ] && [ "$protos" != "$proto" ] && verdict="not held: HTTP/$protos"
		printf '  %7s %9s %7s%%  %-19s %-20s %5sus %5s %6ss %6s  %s\n' "$rate" "$achieved" \
			"$(awk -v n="$n" -v k="$(kv "$s" skipped)" 'BEGIN{ printf "%.3f", n ? 100 * k / n : 0 }')" \
			"$(human_us "$(kv "$s" delay_p50_us)")/$(human_us "$(kv "$s" delay_p99_us)")" \
			"$(human_us "$(kv "$s" latency_p50_us)")/$(human_us "$(kv "$s" latency_p99_us)")/$(human_us "$(kv "$s" latency_max_us)")" \
			"$cpu_us" "$(kv "$s" new_conns)" "$(awk -v b="$blind" 'BEGIN{ if (b == "null") print b; else printf "%.2f", b }')" "$later" "$verdict"
		[ "$rate" = "$REF_RATE" ] && REF_CPU_US=$cpu_us
		ROWS+="${ROWS:+,}{\"asked\":$rate,\"achieved\":$achieved,\"requests\":$n,\"ok\":$ok,\"skipped\":$(kv "$s" skipped),\"blind_s\":$blind,\"late_or_skipped_after_start\":$later,\"cpu_us_per_req\":$cpu_us,\"new_conns\":$(kv "$s" new_conns),\"protocols\":\"$protos\",\"delay_p50_us\":$(kv "$s" delay_p50_us),\"delay_p99_us\":$(kv "$s" delay_p99_us),\"latency_p50_us\":$(kv "$s" latency_p50_us),\"latency_p99_us\":$(kv "$s" latency_p99_us),\"latency_max_us\":$(kv "$s" latency_max_us),\"held\":$([ "$verdict" = held ] && echo true || echo false)}"
		if [ "$verdict" = held ]; then
			[ "$rate" -gt "$HELD" ] && HELD=$rate HELD_CPU_US=$cpu_us
			fails=0
		else
			fails=$((fails + 1))
			[ "$fails" -ge 2 ] && break
		fi
	done
	echo
}
sweep http 1.1 "$HTTP_URL"
HTTP_HELD=$HELD HTTP_CPU=$HELD_CPU_US HTTP_REF=$REF_CPU_US HTTP_ROWS=$ROWS
sweep https 1.1 "$HTTPS_URL" --cacert "$C/ca.pem" --http1.1
HTTPS_HELD=$HELD HTTPS_CPU=$HELD_CPU_US HTTPS_REF=$REF_CPU_US HTTPS_ROWS=$ROWS
sweep http2 2 "$HTTPS_URL" --cacert "$C/ca.pem" --http2
H2_HELD=$HELD H2_CPU=$HELD_CPU_US H2_REF=$REF_CPU_US H2_ROWS=$ROWS

# --- what one new connection costs: a connection per request, at a rate
# low enough for every handshake to end before the next tick ---
# handshake NAME URL [OPTION...]: prints pbprobe's CPU per request, or null
handshake() {
	local name=$1 url=$2 log=$WORK/new-$1.log ok
	shift 2
	cpu_time "${CLIENT[@]}" "$PBPROBE" --rate "$HS_RATE" --duration "${HS_S}s" --connections new \
		-q -o "$log" "$@" "$url" || { echo null; return; }
	ok=$(kv "$("$STATS" "$log")" ok)
	awk -v ok="$ok" -v c="$CPU_S" 'BEGIN{ if (ok > 0) printf "%.0f", c * 1e6 / ok; else print "null" }'
}
HS_HTTP=$(handshake http "$HTTP_URL")
HS_HTTPS=$(handshake https "$HTTPS_URL" --cacert "$C/ca.pem" --http1.1)
HS_H2=$(handshake http2 "$HTTPS_URL" --cacert "$C/ca.pem" --http2)

# --- ratios to wrk: the rate held over wrk's peak, pbprobe's CPU per
# request (at that rate) over wrk's ---
# ratio A B: A / B to 3 places, or null
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "null" || b == "null" || b <= 0 || a <= 0) print "null"; else printf "%.3f", a / b }'; }
R_HTTP=$(ratio "$HTTP_HELD" "$WRK_HTTP_RPS") C_HTTP=$(ratio "$HTTP_CPU" "$WRK_HTTP_CPU")
R_HTTPS=$(ratio "$HTTPS_HELD" "$WRK_TLS_RPS") C_HTTPS=$(ratio "$HTTPS_CPU" "$WRK_TLS_CPU")
R_H2=$(ratio "$H2_HELD" "$WRK_TLS_RPS") C_H2=$(ratio "$H2_CPU" "$WRK_TLS_CPU")
X_HTTPS=$(ratio "$HTTPS_REF" "$HTTP_REF") X_H2=$(ratio "$H2_REF" "$HTTP_REF")
printf 'pbprobe / wrk, same run   held, no blind   / wrk   cpu/req   / wrk   cpu/req at %s/s  / http\n' "$REF_RATE"
row() { printf '  %-22s %9s/s %8s %7sus %7s %12sus %8s\n' "$@"; }
row "http     (wrk http)" "$HTTP_HELD" "$R_HTTP" "$HTTP_CPU" "$C_HTTP" "$HTTP_REF" 1.000
row "https    (wrk https)" "$HTTPS_HELD" "$R_HTTPS" "$HTTPS_CPU" "$C_HTTPS" "$HTTPS_REF" "$X_HTTPS"
row "http2    (wrk https)" "$H2_HELD" "$R_H2" "$H2_CPU" "$C_H2" "$H2_REF" "$X_H2"
printf '  held: the highest rate with no blind time; cpu/req: pbprobe at that rate,\n'
printf '  wrk at its closed-loop peak; / http: each mode over plain HTTP, same rate\n'
printf 'A new connection per request at %s/s, cpu/req: http %sus, https %sus, http2 %sus\n' \
	"$HS_RATE" "$HS_HTTP" "$HS_HTTPS" "$HS_H2"
printf '  (the difference with http is what one TLS handshake costs pbprobe)\n'

cat >"$BENCH_OUT/prober-tls.json" <<EOF
{
  "mode": "$MODE",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "cpus": $(nproc),
  "load1": $(cut -d' ' -f1 /proc/loadavg),
  "pinning": "$PINNING",
  "tls": "$TLS_SAYS",
  "seconds_per_rate": $RATE_S,
  "cpu_ref_rate": $REF_RATE,
  "wrk": {
    "seconds": $PEER_S,
    "http": {"rps": $WRK_HTTP_RPS, "cpu_us_per_req": $WRK_HTTP_CPU},
    "https": {"rps": $WRK_TLS_RPS, "cpu_us_per_req": $WRK_TLS_CPU}
  },
  "http": {"peer": "wrk http", "highest_rate_held": $HTTP_HELD, "cpu_us_per_req": $HTTP_CPU, "rate_ratio_to_wrk": $R_HTTP, "cpu_ratio_to_wrk": $C_HTTP, "cpu_us_per_req_at_ref": $HTTP_REF, "cpu_us_per_req_new_conn": $HS_HTTP, "rates": [$HTTP_ROWS]},
  "https": {"peer": "wrk https", "options": "--cacert CA --http1.1", "highest_rate_held": $HTTPS_HELD, "cpu_us_per_req": $HTTPS_CPU, "rate_ratio_to_wrk": $R_HTTPS, "cpu_ratio_to_wrk": $C_HTTPS, "cpu_us_per_req_at_ref": $HTTPS_REF, "cpu_ratio_to_http_at_ref": $X_HTTPS, "cpu_us_per_req_new_conn": $HS_HTTPS, "rates": [$HTTPS_ROWS]},
  "http2": {"peer": "wrk https", "options": "--cacert CA --http2", "highest_rate_held": $H2_HELD, "cpu_us_per_req": $H2_CPU, "rate_ratio_to_wrk": $R_H2, "cpu_ratio_to_wrk": $C_H2, "cpu_us_per_req_at_ref": $H2_REF, "cpu_ratio_to_http_at_ref": $X_H2, "cpu_us_per_req_new_conn": $HS_H2, "rates": [$H2_ROWS]}
}
EOF
hist=$BENCH_OUT/prober-tls-history.tsv
[ -f "$hist" ] || printf 'date\tmode\tload1\twrk_http_rps\twrk_https_rps\twrk_http_cpu_us\twrk_https_cpu_us\thttp_held\thttps_held\th2_held\thttp_cpu_us\thttps_cpu_us\th2_cpu_us\thttp_ratio\thttps_ratio\th2_ratio\tref_rate\thttp_ref_cpu_us\thttps_ref_cpu_us\th2_ref_cpu_us\thttp_new_cpu_us\thttps_new_cpu_us\th2_new_cpu_us\n' >"$hist"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$MODE" \
	"$(cut -d' ' -f1 /proc/loadavg)" "$WRK_HTTP_RPS" "$WRK_TLS_RPS" "$WRK_HTTP_CPU" "$WRK_TLS_CPU" \
	"$HTTP_HELD" "$HTTPS_HELD" "$H2_HELD" "$HTTP_CPU" "$HTTPS_CPU" "$H2_CPU" "$R_HTTP" "$R_HTTPS" "$R_H2" \
	"$REF_RATE" "$HTTP_REF" "$HTTPS_REF" "$H2_REF" "$HS_HTTP" "$HS_HTTPS" "$HS_H2" >>"$hist"
echo
echo "Written: $BENCH_OUT/prober-tls.json, $hist"
