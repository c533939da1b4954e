# docs/: man pages, the log format contract and the other formats' specs,
# installed in $(docdir) (/usr/share/doc/pbprobe) beside the man pages.
dist_man_MANS += docs/pbprobe.1
dist_doc_DATA = docs/log-format.md docs/report-json.md docs/openmetrics.md \
	docs/targets-file.md docs/gate-file.md docs/kubernetes.md docs/HACKING.md
