using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Board;
using Crm.Mcp.Features.Resources;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>
/// The resources, served as the SDK's WithResources would serve them (same listings, same replies) but without it:
/// it wraps each method in an AIFunction and matches a templated URI with a Regex that ModelContextProtocol.UriTemplate
/// builds with RegexOptions.NonBacktracking, whose engine and automata cost the idle stdio server memory for four
/// URI patterns (BENCHMARKS.md, "Start-up and memory", tenth session). Every template here is a literal prefix and
/// one variable at the end, which <see cref="CrmResource"/> matches as the SDK's pattern does. The methods keep their
/// [McpServerResource] and [Description]: the listing is read from them.
/// </summary>
public static class ResourceCatalog
{
    public static IMcpServerBuilder WithCrmResources(this IMcpServerBuilder builder)
    {
        builder.Services
            .AddSingleton<McpServerResource>(Of<CrmResources>(nameof(CrmResources.Deal), (services, id, cancellationToken) => Records(services).Deal(id, cancellationToken)))
            .AddSingleton<McpServerResource>(Of<CrmResources>(nameof(CrmResources.Company), (services, id, cancellationToken) => Records(services).Company(id, cancellationToken)))
            .AddSingleton<McpServerResource>(Of<CrmResources>(nameof(CrmResources.Contact), (services, id, cancellationToken) => Records(services).Contact(id, cancellationToken)))
            .AddSingleton<McpServerResource>(Of<CrmResources>(nameof(CrmResources.Pipeline), (services, _, cancellationToken) => Records(services).Pipeline(cancellationToken)))
            .AddSingleton<McpServerResource>(Of<BoardTools>(nameof(BoardTools.PipelineBoardApp), (_, _, _) => Task.FromResult(BoardTools.PipelineBoardApp())));
        return builder;
    }

    private static CrmResources Records(IServiceProvider services) => new(services.GetRequiredService<CrmDb>());

    private static CrmResource Of<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] T>(
        string method, Func<IServiceProvider, string, CancellationToken, Task<ResourceContents>> read)
    {
        var info = typeof(T).GetMethod(method) ?? throw new InvalidOperationException($"{typeof(T).Name}.{method} is not a public method.");
        var attribute = info.GetCustomAttribute<McpServerResourceAttribute>() ?? throw new InvalidOperationException($"{typeof(T).Name}.{method} has no [McpServerResource].");
        return new CrmResource(new ResourceTemplate
        {
            UriTemplate = attribute.UriTemplate!,
            Name = attribute.Name!,
            Title = attribute.Title,
            Description = info.GetCustomAttribute<DescriptionAttribute>()?.Description,
            MimeType = attribute.MimeType ?? "application/octet-stream",
        }, read);
    }
}

/// <summary>
/// One resource: a fixed URI (matched as the SDK does, as equal System.Uri values), or a template whose one variable
/// ends it (crm://deals/{id}), matched as ModelContextProtocol.UriTemplate.CreateParser's pattern does: the literal
/// part ignoring case, then one or more characters other than / ? &amp; #, unescaped for the method. An empty value,
/// which the SDK's binding refused as a missing argument, reaches the method, which answers that no record is there.
/// </summary>
public sealed class CrmResource : McpServerResource
{
    private readonly string? prefix;
    private readonly Func<IServiceProvider, string, CancellationToken, Task<ResourceContents>> read;

    public CrmResource(ResourceTemplate template, Func<IServiceProvider, string, CancellationToken, Task<ResourceContents>> read)
    {
        ProtocolResourceTemplate = template;
        var open = template.UriTemplate.IndexOf('{');
        if (open < 0)
            ProtocolResource = new Resource
            {
                Uri = template.UriTemplate,
                Name = template.Name,
                Title = template.Title,
                Description = template.Description,
                MimeType = template.MimeType,
            };
        else if (template.UriTemplate.IndexOf('}') != template.UriTemplate.Length - 1)
            throw new ArgumentException($"{template.UriTemplate}: only one variable, at the end, is supported.", nameof(template));
        else prefix = template.UriTemplate[..open];
        this.read = read;
    }

    public override ResourceTemplate ProtocolResourceTemplate { get; }

    public override Resource? ProtocolResource { get; }

    public override IReadOnlyList<object> Metadata => [];

    public override bool IsMatch(string uri) => Value(uri) is not null;

    public override async ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken = default)
    {
        var uri = request.Params?.Uri ?? throw new ArgumentException("The request names no URI.", nameof(request));
        var value = Value(uri) ?? throw new ArgumentException($"{uri} does not match {ProtocolResourceTemplate.UriTemplate}.", nameof(request));
        return new ReadResourceResult { Contents = [await read(request.Services!, value, cancellationToken)] };
    }

    /// <summary>The variable's value (unescaped; "" for a fixed URI) when <paramref name="uri"/> matches, else null.</summary>
    private string? Value(string uri)
    {
        if (prefix is null)
            return Uri.TryCreate(uri, UriKind.Absolute, out var asked) && Uri.TryCreate(ProtocolResource!.Uri, UriKind.Absolute, out var own) && asked == own ? "" : null;
        if (!uri.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return null;
        var value = uri[prefix.Length..];
        return value.AsSpan().IndexOfAny("/?&#") < 0 ? Uri.UnescapeDataString(value) : null;
    }
}
