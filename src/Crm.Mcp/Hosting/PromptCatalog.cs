using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Crm.Mcp.Common;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>
/// The prompts, as the SDK's WithPrompts would register them, except that no JSON schema is generated for what they
/// return (a list of PromptMessage, whose content blocks make a large schema nobody reads): that generation was 12% of
/// the native start-up once the tools' schemas were built ahead of time (BENCHMARKS.md). Their arguments' schema, which
/// prompts/list shows, is generated as before.
/// </summary>
public static class PromptCatalog
{
    public static IMcpServerBuilder WithCrmPrompts<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors)] T>(
        this IMcpServerBuilder builder) where T : class
    {
        var factory = ActivatorUtilities.CreateFactory<T>(Type.EmptyTypes);
        foreach (var method in typeof(T).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            if (method.GetCustomAttribute<McpServerPromptAttribute>() is { } attribute)
                builder.Services.AddSingleton(services => Create(method, attribute, arguments => factory(arguments.Services!, null), services));
        return builder;
    }

    public static McpServerPrompt Create(MethodInfo method, McpServerPromptAttribute attribute, Func<AIFunctionArguments, object> newInstance, IServiceProvider services)
    {
        var description = method.GetCustomAttribute<DescriptionAttribute>()?.Description;
        var function = AIFunctionFactory.Create(method, newInstance, new AIFunctionFactoryOptions
        {
            Name = attribute.Name,
            Description = description,
            SerializerOptions = CrmJson.Options,
            ExcludeResultSchema = true,
            MarshalResult = SdkBinding.AsIs,
            ConfigureParameterBinding = SdkBinding.Services<GetPromptRequestParams>(services),
        });
        return McpServerPrompt.Create(function, new McpServerPromptCreateOptions
        {
            Services = services,
            SerializerOptions = CrmJson.Options,
            Name = attribute.Name,
            Title = attribute.Title,
            Description = description,
            Metadata = SdkBinding.Metadata(method),
        });
    }
}
