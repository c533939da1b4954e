# report: build fragment (see Makefile.am).
