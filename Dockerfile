# syntax=docker/dockerfile:1
# The doctown RunPod worker image: `doctown worker runpod` on Debian.
# tree-sitter needs cgo, so the binary is built with gcc on the same Debian
# release as the runtime image (same glibc).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
ARG DATE=
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath -o /out/doctown \
      -ldflags "-s -w -X github.com/doctown/doctown/internal/version.version=${VERSION} -X github.com/doctown/doctown/internal/version.commit=${COMMIT} -X github.com/doctown/doctown/internal/version.date=${DATE}" \
      ./cmd/doctown

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /home/doctown doctown
COPY --from=build /out/doctown /usr/local/bin/doctown
USER doctown:doctown
WORKDIR /home/doctown
ENTRYPOINT ["doctown", "worker", "runpod"]
