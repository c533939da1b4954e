# syntax=docker/dockerfile:1
# pbprobe's container image: pbprobe, pbprobe-report and pbprobe-job (the
# Kubernetes Job's driver, manifests/pbprobe/pbprobe-job.sh), on Debian 12.
#
#   docker build -t pbprobe:0.1.0 .
#   docker run --rm pbprobe:0.1.0 --rate 50 --duration 5s http://example.org/
#
# At the repository's root: the build's context is the whole source tree, a
# .dockerignore applies at the context's root, and `docker build .` is what
# anyone tries first. Two stages: compilers and -dev packages stay in the
# first; the image holds the two programs, one script and their libraries.
# It runs as user 10001, numerically, so that a pod's runAsNonRoot can be
# verified by the kubelet (manifests/pbprobe/job.yaml). t/t7010-image.sh
# checks this file offline.

FROM debian:12-slim AS build
# The -dev packages are those configure.ac names when a library is missing.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      autoconf automake gcc libc6-dev make pkg-config \
      libevent-dev libcurl4-openssl-dev libpq-dev libjansson-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi \
 && ./configure --prefix=/usr/local \
 && make -j"$(nproc)" pbprobe pbprobe-report \
 && install -D -m 0755 -t /out/usr/local/bin pbprobe pbprobe-report \
 && install -D -m 0755 manifests/pbprobe/pbprobe-job.sh /out/usr/local/bin/pbprobe-job

FROM debian:12-slim
# The runtime halves of the -dev packages above (the programs' NEEDED
# libraries); bash and coreutils, which pbprobe-job uses, are in the base.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libcurl4 libevent-2.1-7 libpq5 libjansson4 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 pbprobe \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin pbprobe
COPY --from=build /out/ /
# Fails the build if a library is missing: better here than in a pod.
RUN pbprobe --version && pbprobe-report --version
USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["pbprobe"]
CMD ["--help"]
