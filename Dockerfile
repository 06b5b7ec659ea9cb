# syntax=docker/dockerfile:1
#
# Conclave server image: one process = ASP.NET Core (API, signaling, web
# client) + a co-hosted Orleans silo. See docs/deployment.md and
# docs/configuration.md (every setting is an environment variable,
# e.g. Conclave__Cluster__Mode=AzureTable).
#
#   docker build -t conclave .
#   docker run -p 8443:8443 -v conclave-data:/data conclave

# ---- build -----------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The whole tree (minus .dockerignore): the server references several projects
# and serves Clients/web as its wwwroot, so listing files one by one would break
# whenever a project is added.
COPY . .
# The cache mount keeps downloaded NuGet packages between builds (BuildKit).
RUN --mount=type=cache,id=conclave-nuget,target=/root/.nuget/packages \
    dotnet publish MediaServer/Conclave.MediaServer/Conclave.MediaServer.csproj \
      -c Release -o /app -p:UseAppHost=false

# ---- runtime ---------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./

# /data holds the self-signed certificate, the admin token and (in the default
# File storage mode) grain state. Created here so that a new named volume is
# owned by the non-root user the server runs as.
RUN mkdir -p /data && chown "$APP_UID:$APP_UID" /data && chmod 700 /data
VOLUME /data

# Conclave binds its own endpoints (Conclave__Listen__*); clear the base
# image's ASPNETCORE_HTTP_PORTS so Kestrel does not warn about overriding it.
ENV Conclave__DataDirectory=/data \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1

# HTTP (loopback by default; docker-compose.yml binds 0.0.0.0), HTTPS,
# Orleans silo-to-silo, Orleans gateway, and the media UDP port (later issue).
EXPOSE 8080 8443 11111 30000 40000/udp

# The image has no curl/wget: bash's /dev/tcp asks the plain-HTTP listener,
# which is always reachable inside the container (127.0.0.1:8080 by default).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

# The base image's unprivileged user (uid 1654).
USER $APP_UID
ENTRYPOINT ["dotnet", "Conclave.MediaServer.dll"]
