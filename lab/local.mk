# lab: build fragment (see Makefile.am).
