# docs/: man pages and the log format contract.
dist_man_MANS += docs/pbprobe.1
EXTRA_DIST += docs/log-format.md docs/HACKING.md docs/targets-file.md
