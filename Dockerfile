# syntax=docker/dockerfile:1
# pbprobe's container image: the Debian package (debian/), installed on
# Debian 12: pbprobe, pbprobe-report and pbprobe-job (the Kubernetes Job's
# driver, manifests/pbprobe/pbprobe-job.sh). The programs are the package's
# bits; its man pages and docs are not in the image (debian:12-slim's dpkg
# leaves /usr/share/man and /usr/share/doc out).
#
#   docker build --build-arg PB_REVISION="$(git rev-parse --short=12 HEAD)" -t pbprobe:0.1.0 .
#   docker run --rm pbprobe:0.1.0 --rate 50 --duration 5s http://example.org/
#
# At the repository's root: the build's context is the whole source tree, a
# .dockerignore applies at the context's root, and `docker build .` is what
# anyone tries first. Two stages: the first builds the package as
# dpkg-buildpackage does anywhere (one source of truth for what is
# installed: the image holds what `apt install ./pbprobe_*.deb` gives a CI
# runner); the second installs it, and apt pulls the libraries it needs. It
# runs as user 10001, numerically, so that a pod's runAsNonRoot can be
# verified by the kubelet (manifests/pbprobe/job.yaml). t/t7010-image.sh
# checks this file offline; .ci/package builds and installs the same package
# in a clean Debian 12 root.

FROM debian:12-slim AS build
WORKDIR /src
# debian/control's Build-Depends, read by apt itself: nothing listed twice.
# Copied alone first, so that a change to the sources reuses this layer.
COPY debian/control debian/control
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential dpkg-dev \
 && apt-get build-dep -y --no-install-recommends ./ \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# The context has no .git (.dockerignore): pbprobe --version and the log
# header name the revision given here.
ARG PB_REVISION=unknown
RUN echo "$PB_REVISION" >.revision \
 && dpkg-buildpackage -us -uc -b \
 && mkdir -p /out/ \
 && cp ../pbprobe_*_*.deb /out/

FROM debian:12-slim
COPY --from=build /out/ /tmp/deb/
# The package's Depends (its libraries, from shlibs) come with it; its
# Recommends (gnuplot, for --plot) stay out of the image. ca-certificates:
# probing https URLs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates /tmp/deb/pbprobe_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/deb \
 && groupadd --gid 10001 pbprobe \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin pbprobe
# Fails the build if a library is missing: better here than in a pod.
RUN pbprobe --version && pbprobe-report --version && pbprobe-job --help >/dev/null
USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["pbprobe"]
CMD ["--help"]
