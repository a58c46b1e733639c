# Builds and runs vendstream: `docker compose up --build` (see docker-compose.yml).
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

FROM eclipse-temurin:17-jre
WORKDIR /app
# an ordinary account: nothing here needs root
RUN useradd --system --home-dir /app vendstream && mkdir -p /app/data && chown vendstream /app/data
COPY --from=build /src/target/lib lib
COPY --from=build /src/target/vendstream.jar vendstream.jar
COPY routes routes
COPY config config
USER vendstream
EXPOSE 8080
# routes/ and data/ are resolved against the working directory, /app
ENTRYPOINT ["java", "@config/jvm.options", "-jar", "vendstream.jar"]
