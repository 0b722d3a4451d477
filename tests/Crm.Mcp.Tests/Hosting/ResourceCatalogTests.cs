using System.Reflection;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Features.Board;
using Crm.Mcp.Features.Resources;
using Crm.Mcp.Hosting;
using Crm.Mcp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>ResourceCatalog serves the resources without the SDK's WithResources (its URI parser is a NonBacktracking
/// Regex: idle memory); what resources/list and resources/templates/list show, and which URIs each resource takes,
/// must be what the SDK gives.</summary>
public sealed class ResourceCatalogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Uris =
    [
        "crm://deals/DEAL-001", "CRM://Deals/deal-001", "crm://deals/a%20b", "crm://deals/", "crm://deals/a/b", "crm://deals/a?b", "crm://deals/a#b",
        "crm://deals/a&b", "crm://dealsX", "crm://companies/Acme", "crm://contacts/jane@acme.com", "crm://contacts/",
        "crm://pipeline", "CRM://PIPELINE", "crm://pipeline/", "crm://pipeline?x", "crm://pipelines",
        "ui://crm/pipeline-board", "UI://CRM/pipeline-board", "ui://crm/Pipeline-Board", "ui://crm/pipeline-board/", "not a uri",
    ];

    [Fact]
    public void Each_resource_lists_and_matches_as_the_sdk_builds_it()
    {
        using var services = new ServiceCollection().AddLogging()
            .AddCrmCore(new CrmSettings { DatabasePath = Path.Combine(Path.GetTempPath(), "crm-mcp-resources-unused.db") })
            .AddMcpServer().WithCrmResources().Services
            .BuildServiceProvider();
        var ours = services.GetServices<McpServerResource>().ToDictionary(r => r.ProtocolResourceTemplate.Name);
        var sdk = new[] { typeof(CrmResources), typeof(BoardTools) }
            .SelectMany(type => type.GetMethods().Where(m => m.GetCustomAttribute<McpServerResourceAttribute>() is not null))
            .Select(method => method.IsStatic
                ? McpServerResource.Create(method, (object?)null, new McpServerResourceCreateOptions { Services = services })
                : McpServerResource.Create(method, request => ActivatorUtilities.CreateInstance(request.Services!, method.DeclaringType!), new McpServerResourceCreateOptions { Services = services }))
            .ToList();
        Assert.Equal(sdk.Select(r => r.ProtocolResourceTemplate.Name).Order(), ours.Keys.Order());
        foreach (var expected in sdk)
        {
            var actual = ours[expected.ProtocolResourceTemplate.Name];
            Assert.Equal(Json(expected.ProtocolResourceTemplate), Json(actual.ProtocolResourceTemplate));
            Assert.Equal(expected.ProtocolResource is null ? null : Json(expected.ProtocolResource), actual.ProtocolResource is null ? null : Json(actual.ProtocolResource));
            foreach (var uri in Uris)
                Assert.True(expected.IsMatch(uri) == actual.IsMatch(uri), $"{expected.ProtocolResourceTemplate.UriTemplate} and {uri}: the SDK says {expected.IsMatch(uri)}");
        }
    }

    /// <summary>The SDK's pattern takes "crm://deals/" (its value is optional) and then failed on the missing argument;
    /// the method now answers it as any unknown record.</summary>
    [Theory]
    [InlineData("crm://deals/")]
    [InlineData("crm://companies/")]
    public async Task An_empty_template_value_names_no_record(string uri)
    {
        await using var server = await TestServer.StartAsync();
        var error = await Assert.ThrowsAsync<McpProtocolException>(() => server.Client.ReadResourceAsync(uri, cancellationToken: Ct).AsTask());
        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains($"No record at {uri};", error.Message);
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, McpJsonUtilities.DefaultOptions);
}
