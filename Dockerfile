# The Native AOT linux-x64 build that CI publishes and runs every check against, in a minimal image (no .NET runtime:
# runtime-deps only; invariant globalization, so no ICU either): crm-mcp, the stdio build, and crm-mcp-http, the full
# build that crm-mcp's `serve --transport http` runs in its place (exec: it stays process 1 and gets docker's
# signals). Serves MCP over HTTP on port 5077 by default, with
# API-key auth on; the database lives on the /data volume so it survives container replacement; the process runs as
# the non-root "app" user.
#   docker build -t crm-mcp .
#   docker run --rm -v crm-data:/data crm-mcp keys create --name me --scope write     # prints the key once
#   docker run -d --name crm -p 127.0.0.1:5077:5077 -v crm-data:/data crm-mcp
#   crm-mcp config cursor --transport http --url http://127.0.0.1:5077/mcp --key KEY  # the client's entry
# Reached under another host name? Append: serve --transport http --urls http://0.0.0.0:5077 --allowed-hosts crm.example.com
# stdio instead (a client starts the container): docker run -i --rm -v crm-data:/data crm-mcp serve
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Native AOT links with clang and zlib.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Directory.Build.props Crm.Mcp.sln ./
COPY src/Crm.Mcp/Crm.Mcp.csproj src/Crm.Mcp/
# Both builds' packages in a cached layer: the stdio build (obj/lean/) and the full one the publish adds beside it (obj/).
RUN dotnet restore src/Crm.Mcp/Crm.Mcp.csproj -r linux-x64 -p:PublishAot=true \
 && dotnet restore src/Crm.Mcp/Crm.Mcp.csproj -r linux-x64 -p:PublishAot=true -p:CrmHttp=true
COPY src/ src/
RUN dotnet publish src/Crm.Mcp/Crm.Mcp.csproj -c Release -r linux-x64 -p:PublishAot=true --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0 AS runtime
WORKDIR /app
# The two executables and the SQLite library they load from their own folder (libe_sqlite3.so).
COPY --from=build /app/ /app/
RUN mkdir -p /data && chown app:app /data
ENV CRM_MCP_DB=/data/crm.db
VOLUME ["/data"]
USER app
EXPOSE 5077
ENTRYPOINT ["/app/crm-mcp"]
# 0.0.0.0 inside the container is what a published port reaches; auth stays on (--no-auth is refused off loopback).
CMD ["serve", "--transport", "http", "--urls", "http://0.0.0.0:5077"]
