# manifests/: pbprobe-job, the Kubernetes Job pod's driver (job.yaml runs
# it), installed beside the programs so that the image is the package.
bin_SCRIPTS = pbprobe-job
CLEANFILES += pbprobe-job
EXTRA_DIST += manifests/pbprobe/pbprobe-job.sh
dist_man_MANS += docs/pbprobe-job.1
pbprobe-job: $(srcdir)/manifests/pbprobe/pbprobe-job.sh
	$(AM_V_GEN)cp $(srcdir)/manifests/pbprobe/pbprobe-job.sh $@.tmp && chmod 755 $@.tmp && mv -f $@.tmp $@
