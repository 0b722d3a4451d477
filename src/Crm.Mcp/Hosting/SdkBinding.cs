using System.Reflection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>
/// What the SDK's own McpServerTool/McpServerPrompt.Create(MethodInfo, …) give the AIFunction they build, for the
/// tools and prompts built here from an AIFunction made without the schemas the SDK would generate at start
/// (ToolCatalog.Create, PromptCatalog): ToolSchemaFileTests and PromptCatalogTests compare the results with the SDK's.
/// </summary>
public static class SdkBinding
{
    /// <summary>The method's result goes back as is: the SDK turns it into the reply.</summary>
    public static Func<object?, Type?, CancellationToken, ValueTask<object?>> AsIs { get; } = static (result, _, _) => new ValueTask<object?>(result);

    /// <summary>Parameters that are services, or the request's own (progress, server, request, user), come from the
    /// request's services; the rest from the arguments.</summary>
    public static Func<ParameterInfo, AIFunctionFactoryOptions.ParameterBindingOptions> Services<TRequest>(IServiceProvider services)
        where TRequest : RequestParams => parameter =>
    {
        var type = parameter.ParameterType;
        var isService = type == typeof(IProgress<ProgressNotificationValue>) || type == typeof(McpServer) || type == typeof(RequestContext<TRequest>) ||
                        type == typeof(System.Security.Claims.ClaimsPrincipal) || services.GetService<IServiceProviderIsService>()?.IsService(type) == true;
        return isService
            ? new AIFunctionFactoryOptions.ParameterBindingOptions
            {
                ExcludeFromSchema = true,
                BindParameter = (p, arguments) => arguments.Services?.GetService(p.ParameterType)
                    ?? (p.HasDefaultValue ? null : throw new ArgumentException("No service of the requested type was found.")),
            }
            : default;
    };

    /// <summary>The method, then its class's attributes, then its own (the SDK's order).</summary>
    public static IReadOnlyList<object> Metadata(MethodInfo method) =>
        [method, .. method.DeclaringType?.GetCustomAttributes() ?? [], .. method.GetCustomAttributes()];
}
