# syntax=docker/dockerfile:1
# check=error=true
#
# gatehouse container image: a static binary on distroless, running as the
# non-root user 65532 with nothing else in the image (no shell, no package
# manager); it writes no files, so readOnlyRootFilesystem works.
#
#   docker build --build-arg VERSION="$(git describe --tags --always)" -t gatehouse .
#   docker run -v "$PWD/config.yaml:/etc/gatehouse/config.yaml:ro" -p 4180:4180 -p 9180:9180 gatehouse
#
# The default command reads /etc/gatehouse/config.yaml; every key can also come
# from GATEHOUSE_* variables. To configure from the environment alone, run the
# command without a file: `docker run … gatehouse serve`.
#
# Base images are pinned by version, never `latest`. The golang tag must match
# the `toolchain` line of go.mod (tools/dockerfile checks it): that toolchain's
# standard library is what govulncheck scans. For byte-exact rebuilds, add the
# digests your registry reports (FROM image:tag@sha256:…) when you mirror them.

FROM golang:1.26.10-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/gatehouse ./cmd/gatehouse

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="gatehouse" \
      org.opencontainers.image.description="Authenticating reverse proxy: OpenID Connect login in front of unmodified web applications" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/gatehouse /gatehouse
USER 65532:65532
# 4180: main listener (proxy and /oauth2/*); 9180: ops (/healthz, /readyz, /metrics).
EXPOSE 4180 9180
ENTRYPOINT ["/gatehouse"]
CMD ["serve", "--config", "/etc/gatehouse/config.yaml"]
