#!/usr/bin/env python3
# A fake lab/pybossa-standin for smoke-testing the rollout driver without
# PostgreSQL: same arguments, "ready PORT" on stdout, GET /api/helpingmaterial
# answers 200, or 500 while the file named by $FAKE_FAIL exists.
import argparse, http.server, os, signal, socketserver, sys, threading, time

ap = argparse.ArgumentParser()
for a in ("--app-version", "--listen", "--db", "--startup-delay", "--drain-timeout",
          "--on-sigterm", "--access-log"):
    ap.add_argument(a)
o = ap.parse_args()
d = o.startup_delay or "0"
time.sleep(float(d[:-2]) / 1000 if d.endswith("ms") else float(d.rstrip("s")))
host, port = o.listen.rsplit(":", 1)

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        fail = os.environ.get("FAKE_FAIL")
        code = 500 if fail and os.path.exists(fail) else 200
        self.send_response(code)
        self.send_header("X-App-Version", o.app_version)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"[]")
    def log_message(self, *a):
        pass

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

srv = S((host, int(port)), H)
print("ready %d" % srv.server_address[1], flush=True)

def term(sig, frm):
    if o.on_sigterm == "ignore":
        return
    if o.on_sigterm == "exit":
        os._exit(0)
    threading.Thread(target=srv.shutdown).start()

signal.signal(signal.SIGTERM, term)
srv.serve_forever()
sys.exit(0)
