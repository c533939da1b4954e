#!/bin/bash
# HTTPS and HTTP/2 against nginx: a private CA and certificates made here with
# openssl; verification by --cacert, a failure classed tls (said once on
# stderr) without it, -k; mutual TLS by --cert/--key; the protocol that
# answered, per request, as nginx's own access log records it
# ($server_protocol, field 12).
. "$(dirname "$0")/lib.sh"

PB=$PB_BUILD/pbprobe
LOGCAT=$PB_BUILD/t/helpers/logcat
command -v openssl >/dev/null || skip_all "openssl not installed"

# An EC CA, a server certificate for 127.0.0.1, a client certificate whose key
# has a password.
C=$TEST_DIR/pki
mkdir -p "$C"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
# shellcheck disable=SC2086 # $ec is words on purpose
{
	openssl req -x509 $ec -nodes -keyout "$C/ca.key" -out "$C/ca.pem" -days 2 -subj "/CN=pbprobe test CA" &&
		openssl req $ec -nodes -keyout "$C/server.key" -out "$C/server.csr" -subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$C/server.ext" &&
		openssl x509 -req -in "$C/server.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
			-out "$C/server.pem" -days 2 -extfile "$C/server.ext" &&
		openssl req $ec -keyout "$C/client.key" -passout pass:Cl1entPass -out "$C/client.csr" -subj "/CN=prober" &&
		openssl x509 -req -in "$C/client.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
			-out "$C/client.pem" -days 2
} >"$TEST_DIR/openssl.out" 2>&1 || skip_all "openssl could not make the test certificates"

port=$(free_port) tls=$(free_port) h2c=$(free_port)
svc_nginx_start "$TEST_DIR/ng" "$port" \
	"listen 127.0.0.1:$tls ssl http2;" \
	"listen 127.0.0.1:$h2c http2;" \
	"ssl_certificate $C/server.pem;" \
	"ssl_certificate_key $C/server.key;" \
	"ssl_client_certificate $C/ca.pem;" \
	"ssl_verify_client optional;" \
	"location = /mtls { if (\$ssl_client_verify != SUCCESS) { return 403; } return 200; }" ||
	skip_all "nginx did not start"
ACCESS=$TEST_DIR/ng/access.log

# probe LOG URL [OPTION...]: a second at 20/s, stderr in LOG.err
probe() {
	local log=$1 url=$2
	shift 2
	"$PB" --rate 20 --duration 1s "$@" -o "$log" "t=$url" 2>"$log.err"
}
# outcomes LOG: "COUNT OUTCOME PROTOCOL" lines of LOG's requests
outcomes() {
	"$LOGCAT" -f req:outcome,protocol "$1" | tr '\t' ' ' | sort | uniq -c | sed 's/^ *//'
}
# served URI: "COUNT STATUS PROTOCOL" lines of nginx's answers for URI
served() {
	awk -F'\t' -v u="$1" '$6 == u { print $3 " " $12 }' "$ACCESS" | sort | uniq -c | sed 's/^ *//'
}

test_expect_success '--cacert: verified, HTTP/2 by ALPN by default; nginx agrees on every request' '
	probe ca.log "https://127.0.0.1:$tls/?run=ca" --cacert "$C/ca.pem" &&
	outcomes ca.log >got && echo "20 200 2" >expect && test_cmp expect got &&
	served "/?run=ca" >got && echo "20 200 HTTP/2.0" >expect && test_cmp expect got
'

test_expect_success 'no CA: every request is tls, the reason said once, nothing reached nginx' '
	test_expect_code 0 probe noca.log "https://127.0.0.1:$tls/?run=noca" &&
	outcomes noca.log >got && echo "20 tls -" >expect && test_cmp expect got &&
	test "$(grep -c "TLS:" noca.log.err)" = 1 &&
	grep -q "pbprobe: t: TLS: .*certificate" noca.log.err &&
	test -z "$(served "/?run=noca")"
'

test_expect_success '-k: not verified, answered' '
	probe insecure.log "https://127.0.0.1:$tls/?run=k" -k &&
	outcomes insecure.log >got && echo "20 200 2" >expect && test_cmp expect got
'

test_expect_success '--http1.1 over TLS and --http2-prior-knowledge over h2c: the log says which, as nginx does' '
	probe h1.log "https://127.0.0.1:$tls/?run=h1" --cacert "$C/ca.pem" --http1.1 &&
	outcomes h1.log >got && echo "20 200 1.1" >expect && test_cmp expect got &&
	served "/?run=h1" >got && echo "20 200 HTTP/1.1" >expect && test_cmp expect got &&
	# libcurl 7.88 (Debian 12) breaks reused h2c connections: refused, not
	# logged as an outage; each request on its own connection works
	if "$PB" --version | grep -q "^libcurl 7\.88\."; then
		test_expect_code 2 "$PB" --http2-prior-knowledge -d 1s "http://127.0.0.1:$h2c/" 2>err &&
		grep -q "curl issue 10634" err
	fi &&
	probe h2c.log "http://127.0.0.1:$h2c/?run=h2c" --http2-prior-knowledge --connections new &&
	outcomes h2c.log >got && echo "20 200 2" >expect && test_cmp expect got &&
	served "/?run=h2c" >got && echo "20 200 HTTP/2.0" >expect && test_cmp expect got &&
	probe plain.log "http://127.0.0.1:$port/?run=plain" &&
	outcomes plain.log >got && echo "20 200 1.1" >expect && test_cmp expect got
'

test_expect_success 'mutual TLS: --cert FILE:PASS and --key are let in, the password never logged' '
	probe mtls.log "https://127.0.0.1:$tls/mtls" --cacert "$C/ca.pem" \
		--cert "$C/client.pem:Cl1entPass" --key "$C/client.key" &&
	outcomes mtls.log >got && echo "20 200 2" >expect && test_cmp expect got &&
	grep -qF -- "/client.pem:<redacted>" mtls.log &&
	! grep -q Cl1entPass mtls.log mtls.log.err &&
	probe anon.log "https://127.0.0.1:$tls/mtls" --cacert "$C/ca.pem" &&
	outcomes anon.log >got && echo "20 403 2" >expect && test_cmp expect got &&
	served /mtls >got && printf "20 200 HTTP/2.0\n20 403 HTTP/2.0\n" >expect && test_cmp expect got
'

test_expect_success 'per target: NAME: gives one target its certificate and timeout, and nothing leaks to another' '
	# one run, one connection pool: the anonymous target must never ride
	# the connection that presented the client certificate
	"$PB" --rate 20 --duration 1s --cacert "$C/ca.pem" \
		--cert "mtls:$C/client.pem:Cl1entPass" --key "mtls:$C/client.key" \
		-t slow:300ms -o pt.log \
		"mtls=https://127.0.0.1:$tls/mtls?who=mtls" "anon=https://127.0.0.1:$tls/mtls?who=anon" \
		"slow=http://127.0.0.1:$port/slow?who=slow" "calm=http://127.0.0.1:$port/slow?who=calm" 2>pt.err &&
	"$LOGCAT" -f req:target,outcome pt.log | sort | uniq -c | sed "s/^ *//" | tr "\t" " " >got &&
	printf "20 anon 403\n20 calm 200\n20 mtls 200\n20 slow timeout\n" >expect && test_cmp expect got &&
	test "$(awk -F"\t" "\$6 == \"/mtls?who=mtls\" && \$3 == 200" "$ACCESS" | wc -l)" = 20 &&
	test "$(awk -F"\t" "\$6 == \"/mtls?who=anon\" && \$3 == 403" "$ACCESS" | wc -l)" = 20 &&
	grep -qF -- "--cert '"'"'mtls:<redacted>" pt.log && ! grep -q Cl1entPass pt.log pt.err
'

test_expect_success 'a wrong key password is the prober'"'"'s fault: skipped, one warning, not tls' '
	probe badpass.log "https://127.0.0.1:$tls/mtls" --cacert "$C/ca.pem" \
		--cert "$C/client.pem:Wr0ngPass" --key "$C/client.key" &&
	outcomes badpass.log >got && echo "20 skipped -" >expect && test_cmp expect got &&
	test "$(grep -c "^warn	.*own TLS settings failed" badpass.log)" = 1 &&
	! grep -q Wr0ngPass badpass.log badpass.log.err
'

test_expect_success 'a missing CA file, certificate or key, or a bad --tls-min: a usage error naming it' '
	test_expect_code 2 "$PB" --cacert "$C/nope.pem" -d 1s https://127.0.0.1:1/ 2>err &&
	grep -q "^pbprobe: --cacert $C/nope.pem: No such file or directory" err &&
	test_expect_code 2 "$PB" --cert "$C/nope.pem:pw" -d 1s https://127.0.0.1:1/ 2>err &&
	grep -q "^pbprobe: --cert $C/nope.pem: No such file" err && ! grep -q ":pw" err &&
	test_expect_code 2 "$PB" --key "$C/nope.key" -d 1s https://127.0.0.1:1/ 2>err &&
	grep -q "^pbprobe: --key $C/nope.key: No such file" err &&
	test_expect_code 2 "$PB" --tls-min 1.4 -d 1s https://127.0.0.1:1/ 2>err &&
	grep -q "tls-min: \"1.4\" is not 1.0, 1.1, 1.2 or 1.3" err &&
	probe min.log "https://127.0.0.1:$tls/?run=min" --cacert "$C/ca.pem" --tls-min 1.2 &&
	outcomes min.log >got && echo "20 200 2" >expect && test_cmp expect got
'

test_done
