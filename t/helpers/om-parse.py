#!/usr/bin/python3
# om-parse.py [--backfill] FILE: checks that FILE is OpenMetrics text as pbprobe-report
# writes it, with the strict parser of Debian's python3-prometheus-client, and
# prints its samples as JSON, one object a line: {"name", "labels", "value"},
# for jq to compare with the JSON report. Exits 1 with one line on stderr when
# the text is not valid.
#
# Beyond the parser: the bytes are UTF-8 (the parser takes any str); the text
# ends with "# EOF" and a newline; every family has a HELP, is a gauge, and a
# name ending in _seconds carries "# UNIT ... seconds"; no sample has a
# timestamp (a Pushgateway refuses them); no series appears twice (the parser
# drops an adjacent duplicate silently, so the sample lines are counted); and
# the Prometheus text format 0.0.4 parser, the one a Pushgateway uses, reads
# the same number of samples. With --backfill, every sample must have a
# timestamp instead (promtool's backfill needs them; docs/openmetrics.md).
import json
import re
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.parser import text_string_to_metric_families as classic_families


def fail(why):
    print("om-parse: %s: %s" % (sys.argv[-1], why), file=sys.stderr)
    sys.exit(1)


def main():
    backfill = sys.argv[1:2] == ["--backfill"]
    if len(sys.argv) != 2 + backfill:
        print("usage: om-parse.py [--backfill] FILE", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[-1], "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("not UTF-8: %s" % e)
    if not text.endswith("\n# EOF\n"):
        fail("does not end with # EOF and a newline")
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError as e:
        fail(str(e))
    samples = []
    for fam in families:
        if not re.fullmatch(r"pbprobe_[a-z0-9_]+", fam.name):
            fail("family name %r" % fam.name)
        if fam.type != "gauge":
            fail("%s: type %s, not gauge" % (fam.name, fam.type))
        if not fam.documentation:
            fail("%s: no HELP" % fam.name)
        if fam.name.endswith("_seconds") != (fam.unit == "seconds"):
            fail("%s: unit %r" % (fam.name, fam.unit))
        for s in fam.samples:
            if (s.timestamp is None) == backfill:
                fail("%s: %s" % (s.name, "no timestamp" if backfill else "a timestamp"))
            samples.append({"name": s.name, "labels": s.labels, "value": s.value})
    # str.split("\n"), not splitlines(): a label value may hold a raw \r
    lines = [l for l in text.split("\n")[:-1] if not l.startswith("#")]
    if len(lines) != len(samples):
        fail("%d sample lines, %d series: a series twice" % (len(lines), len(samples)))
    # the Pushgateway's parser; timestamps (--backfill) are not its business
    if not backfill:
        try:
            classic = sum(len(f.samples) for f in classic_families(text))
        except Exception as e:  # the classic parser raises more than ValueError
            fail("the text format 0.0.4 parser: %s" % e)
        if classic != len(samples):
            fail("the text format 0.0.4 parser read %d samples, not %d" % (classic, len(samples)))
    for s in samples:
        print(json.dumps(s, ensure_ascii=False))


main()
