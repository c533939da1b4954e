# fuzz: build fragment (see Makefile.am).
