using System.Reflection;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Features.Prompts;
using Crm.Mcp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>PromptCatalog builds the prompts without their result schema; what prompts/list shows must not change.</summary>
public sealed class PromptCatalogTests
{
    [Fact]
    public void Each_prompt_is_the_one_the_sdk_builds_and_none_has_a_result_schema()
    {
        using var services = new ServiceCollection().AddLogging()
            .AddCrmCore(new CrmSettings { DatabasePath = Path.Combine(Path.GetTempPath(), "crm-mcp-prompts-unused.db") })
            .BuildServiceProvider();
        var methods = typeof(CrmPrompts).GetMethods().Where(m => m.GetCustomAttribute<McpServerPromptAttribute>() is not null).ToList();
        Assert.NotEmpty(methods);
        foreach (var method in methods)
        {
            var ours = PromptCatalog.Create(method, method.GetCustomAttribute<McpServerPromptAttribute>()!,
                arguments => ActivatorUtilities.CreateInstance<CrmPrompts>(arguments.Services!), services);
            var sdk = McpServerPrompt.Create(method, request => ActivatorUtilities.CreateInstance<CrmPrompts>(request.Services!),
                new McpServerPromptCreateOptions { Services = services, SerializerOptions = CrmJson.Options });
            Assert.Equal(JsonSerializer.Serialize(sdk.ProtocolPrompt, McpJsonUtilities.DefaultOptions), JsonSerializer.Serialize(ours.ProtocolPrompt, McpJsonUtilities.DefaultOptions));
            Assert.Equal(sdk.Metadata, ours.Metadata);
        }
    }
}
