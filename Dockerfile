# Multi-stage: the SDK image builds, the small runtime image runs as the non-root "app" user.
# The database lives on a volume so it survives container replacement.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Crm.Mcp.sln ./
COPY src/Crm.Mcp/Crm.Mcp.csproj src/Crm.Mcp/
RUN dotnet restore src/Crm.Mcp/Crm.Mcp.csproj -r linux-x64
COPY src/ src/
RUN dotnet publish src/Crm.Mcp/Crm.Mcp.csproj -c Release -r linux-x64 --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /data && chown app:app /data
ENV CRM_MCP_DB=/data/crm.db
VOLUME ["/data"]
USER app
# stdio by default: run with `docker run -i --rm -v crm-data:/data crm-mcp`.
# HTTP: `docker run -d -p 5077:5077 -v crm-data:/data crm-mcp serve --transport http --urls http://0.0.0.0:5077` (docs/http.md).
EXPOSE 5077
ENTRYPOINT ["dotnet", "/app/crm-mcp.dll"]
CMD ["serve"]
