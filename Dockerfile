# syntax=docker/dockerfile:1
# Static gatehouse binary on a distroless base, running as non-root.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/gatehouse ./cmd/gatehouse

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gatehouse /gatehouse
USER 65532:65532
EXPOSE 4180 9180
ENTRYPOINT ["/gatehouse"]
CMD ["serve", "--config", "/etc/gatehouse/config.yaml"]
