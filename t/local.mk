# t: build fragment (see Makefile.am).
