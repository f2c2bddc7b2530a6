# Sideways in a small image: built with the Rust toolchain, run from a distroless base (glibc
# and CA certificates only) as a non-root user. SQLite is compiled in; its file lives in /data
# (mount a volume there). With DATABASE_URL=postgres://… it uses Postgres instead, and any
# number of replicas can share it (deploy/compose.yml). Build: docker build -t sideways .
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs manifest.yml ./
COPY migrations ./migrations
COPY src ./src
RUN cargo build --release --locked --bin sideways && mkdir -p /data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/sideways /usr/local/bin/sideways
COPY --from=build --chown=65532:65532 /data /data
WORKDIR /data
ENV DATABASE_URL=sqlite:///data/sideways.db \
    SIDEWAYS_LISTEN=0.0.0.0:3000
EXPOSE 3000
USER nonroot
ENTRYPOINT ["/usr/local/bin/sideways"]
CMD ["serve"]
