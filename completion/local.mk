# completion/: bash and zsh completions of both programs, generated from
# each one's --help (completion/generate.awk), installed where the shells
# look for them (configure: --with-bash-completion-dir, --with-zsh-completion-dir):
# bash-completion loads one on a command's first use, zsh's compinit finds it
# in its fpath. Made by running the programs just built, so a build for
# another architecture cannot make them.
bashcompletion_DATA = completion/pbprobe completion/pbprobe-report
zshcompletion_DATA = completion/_pbprobe completion/_pbprobe-report
CLEANFILES += $(bashcompletion_DATA) $(zshcompletion_DATA)
EXTRA_DIST += completion/generate.awk

completion/pbprobe: pbprobe$(EXEEXT) $(srcdir)/completion/generate.awk
	$(AM_V_GEN)$(MKDIR_P) completion && \
	./pbprobe$(EXEEXT) --help | $(AWK) -v shell=bash -v prog=pbprobe -f $(srcdir)/completion/generate.awk >$@.tmp && \
	mv -f $@.tmp $@
completion/_pbprobe: pbprobe$(EXEEXT) $(srcdir)/completion/generate.awk
	$(AM_V_GEN)$(MKDIR_P) completion && \
	./pbprobe$(EXEEXT) --help | $(AWK) -v shell=zsh -v prog=pbprobe -f $(srcdir)/completion/generate.awk >$@.tmp && \
	mv -f $@.tmp $@
completion/pbprobe-report: pbprobe-report$(EXEEXT) $(srcdir)/completion/generate.awk
	$(AM_V_GEN)$(MKDIR_P) completion && \
	./pbprobe-report$(EXEEXT) --help | $(AWK) -v shell=bash -v prog=pbprobe-report -f $(srcdir)/completion/generate.awk >$@.tmp && \
	mv -f $@.tmp $@
completion/_pbprobe-report: pbprobe-report$(EXEEXT) $(srcdir)/completion/generate.awk
	$(AM_V_GEN)$(MKDIR_P) completion && \
	./pbprobe-report$(EXEEXT) --help | $(AWK) -v shell=zsh -v prog=pbprobe-report -f $(srcdir)/completion/generate.awk >$@.tmp && \
	mv -f $@.tmp $@
