using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>
/// dry_run, idempotency_key and create_if_missing for every write tool marked [Resolves], [Creates] or [DryRun]:
/// the catalog adds them to the tool's inputSchema, and this call filter takes them out of the arguments before
/// binding, makes them the call's <see cref="WriteCall"/>, marks previews and replays in the reply, and, when a name
/// is ambiguous and the client can elicit, asks the user to pick and runs the call again with the pick.
/// </summary>
public static class WriteCalls
{
    public const string DryRun = "dry_run";
    /// <summary>For the generated reference (docs/tools.md): the schema leaves dry_run undescribed.</summary>
    public const string DryRunDoc = "true: preview the reply, write nothing.";
    public const string IdempotencyKey = "idempotency_key";
    public const string CreateIfMissingArgument = "create_if_missing";
    private const int MaxQuestions = 5;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<MethodInfo, IReadOnlyList<string>> Extras = new();

    /// <summary>The arguments a tool gets from its attributes (none it declares itself: then it handles them).</summary>
    public static IReadOnlyList<string> ExtrasOf(MethodInfo method) => Extras.GetOrAdd(method, FindExtras);

    private static IReadOnlyList<string> FindExtras(MethodInfo method)
    {
        var resolves = method.GetCustomAttribute<ResolvesAttribute>() is not null;
        var creates = method.GetCustomAttribute<CreatesAttribute>() is not null;
        var dryRun = resolves || creates || method.GetCustomAttribute<DryRunAttribute>() is not null;
        var own = method.GetParameters().Select(p => p.Name).ToHashSet();
        var extras = new List<string>();
        if (dryRun) extras.Add(DryRun);
        if (creates) extras.Add(IdempotencyKey);
        if (resolves) extras.Add(CreateIfMissingArgument);
        return extras.Where(e => !own.Contains(e)).ToList();
    }

    private static readonly Dictionary<string, JsonObject> ExtraSchemas = new()
    {
        // These are on most write tools, so they are taught once, in the server's instructions; each schema keeps a cue,
        // and dry_run (a boolean whose name says it) none.
        [DryRun] = new JsonObject { ["type"] = "boolean" },
        [IdempotencyKey] = new JsonObject
        {
            ["type"] = "string",
            // 1 to 200 characters, checked in ReadCall with an error that says so.
            ["description"] = "Retry key.",
        },
        [CreateIfMissingArgument] = new JsonObject
        {
            ["type"] = "string",
            ["enum"] = new JsonArray("auto", "always", "never"),
            ["description"] = "auto: create unless a near match exists.",
        },
    };

    /// <summary>Adds the tool's extra arguments to its inputSchema and the reply markers to its outputSchema.</summary>
    public static void Describe(McpServerTool tool, MethodInfo method)
    {
        var extras = ExtrasOf(method);
        if (extras.Count == 0) return;
        var input = JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText())!.AsObject();
        var properties = input["properties"] as JsonObject ?? (JsonObject)(input["properties"] = new JsonObject());
        foreach (var extra in extras) properties[extra] = ExtraSchemas[extra].DeepClone();
        tool.ProtocolTool.InputSchema = JsonSerializer.SerializeToElement(input);

        if (tool.ProtocolTool.OutputSchema is { } outputSchema && JsonNode.Parse(outputSchema.GetRawText()) is JsonObject output &&
            output["properties"] is JsonObject outputProperties)
        {
            if (extras.Contains(DryRun))
                outputProperties[DryRun] = new JsonObject { ["type"] = "boolean" };
            if (extras.Contains(IdempotencyKey))
                outputProperties["idempotent_replay"] = new JsonObject { ["type"] = "boolean" };
            tool.ProtocolTool.OutputSchema = JsonSerializer.SerializeToElement(output);
        }
    }

    public static IMcpServerBuilder WithWriteCalls(this IMcpServerBuilder builder) =>
        builder.WithRequestFilters(filters => filters.AddCallToolFilter(next => async (request, cancellationToken) =>
        {
            if (request.MatchedPrimitive is not McpServerTool tool || request.Params is null) return await next(request, cancellationToken);
            var entry = ToolCatalog.All.FirstOrDefault(e => e.Name == tool.ProtocolTool.Name);
            var extras = entry is null ? [] : ExtrasOf(entry.Method);

            // Every tool call gets a WriteCall, so any tool that resolves names is protected from near duplicates and
            // can ask the user; the attributes only add the arguments a caller can set.
            var arguments = request.Params.Arguments ?? new Dictionary<string, JsonElement>();
            var call = ReadCall(tool.ProtocolTool.Name, arguments, extras, entry is null ? null : ResponseTypeOf(entry.Method));
            if (extras.Count > 0)
                request.Params.Arguments = arguments.Where(a => !extras.Contains(a.Key)).ToDictionary(a => a.Key, a => a.Value);
            WriteCall.Enter(call);
            try
            {
                var db = call.IdempotencyKey is null ? null : request.Services?.GetService<CrmDb>();
                // A replay or a reused key is answered before the tool runs; CrmDb checks again inside the write (races).
                if (db is not null) await db.ReadAsync(async (c, t) => { await IdempotencyStore.CheckAsync(c, t, call); return 0; }, cancellationToken);
                var result = await RunAskingAsync(request, next, call, cancellationToken);
                // A tool whose write returns something else than its reply: store the key with the reply now.
                if (db is not null && !call.KeyStored && !call.DryRun && result.IsError is not true && result.StructuredContent is { } reply)
                    await db.WriteAsync(async (c, t) => { await IdempotencyStore.SaveAsync(c, t, call, reply.GetRawText()); return 0; }, cancellationToken);
                return call.DryRun && result.IsError is not true ? Mark(result, DryRun) : result;
            }
            catch (IdempotentReplay replay)
            {
                return Mark(Result(replay.ResultJson), "idempotent_replay");
            }
            finally
            {
                WriteCall.Enter(null);
            }
        }));

    private static Type? ResponseTypeOf(MethodInfo method)
    {
        var type = method.ReturnType;
        return type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? type.GetGenericArguments()[0] : type;
    }

    private static WriteCall ReadCall(string toolName, IDictionary<string, JsonElement> arguments, IReadOnlyList<string> extras, Type? responseType)
    {
        var dryRun = extras.Contains(DryRun) && arguments.TryGetValue(DryRun, out var d) && d.ValueKind == JsonValueKind.True;
        string? key = null;
        if (extras.Contains(IdempotencyKey) && arguments.TryGetValue(IdempotencyKey, out var k) && k.ValueKind == JsonValueKind.String)
        {
            key = k.GetString()!.Trim();
            if (key.Length is 0 or > 200)
                throw CrmError.Invalid(IdempotencyKey, "must be 1 to 200 characters.", "a unique text per operation, e.g. a UUID");
        }
        var mode = CreateIfMissing.Auto;
        if (extras.Contains(CreateIfMissingArgument) && arguments.TryGetValue(CreateIfMissingArgument, out var m) && m.ValueKind == JsonValueKind.String)
            mode = m.GetString()!.Trim().ToLowerInvariant() switch
            {
                "auto" => CreateIfMissing.Auto,
                "always" => CreateIfMissing.Always,
                "never" => CreateIfMissing.Never,
                var other => throw CrmError.Invalid(CreateIfMissingArgument, $"'{Validate.Shorten(other)}' is not a mode.", "\"auto\", \"always\" or \"never\""),
            };
        return new WriteCall
        {
            Tool = toolName,
            DryRun = dryRun,
            IdempotencyKey = key,
            ArgumentsHash = key is null ? null : Hash(arguments.Where(a => a.Key is not DryRun and not IdempotencyKey)),
            CreateIfMissing = mode,
            ResponseType = responseType,
        };
    }

    /// <summary>Canonical JSON (keys sorted at every level) so {"a":1,"b":2} and {"b":2,"a":1} are the same call.</summary>
    private static string Hash(IEnumerable<KeyValuePair<string, JsonElement>> arguments)
    {
        var canonical = new JsonObject(arguments.OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => KeyValuePair.Create(a.Key, Canonical(JsonNode.Parse(a.Value.GetRawText())))));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToJsonString())));
    }

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Canonical).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    /// <summary>
    /// Runs the call; a needs_disambiguation error with candidates becomes a question to the user when the client can
    /// elicit, and the call runs again (a fresh transaction: none is held open while the user thinks) with the pick.
    /// Declined, cancelled or unsupported: the error with its candidates goes back to the model.
    /// </summary>
    private static async Task<CallToolResult> RunAskingAsync(
        RequestContext<CallToolRequestParams> request, McpRequestHandler<CallToolRequestParams, CallToolResult> next, WriteCall call,
        CancellationToken cancellationToken)
    {
        for (var question = 0; ; question++)
        {
            try
            {
                return await next(request, cancellationToken);
            }
            catch (CrmError error) when (error.Code == ErrorCodes.NeedsDisambiguation && error.Field is { } field &&
                                         error.Candidates is { Count: > 0 } && !call.Choices.ContainsKey(field) &&
                                         question < MaxQuestions && request.Server.ClientCapabilities?.Elicitation is not null)
            {
                var choice = await AskAsync(request.Server, error, field, call.CreateIfMissing != CreateIfMissing.Never, cancellationToken);
                if (choice is null)
                    throw new CrmError(error.Code, error.Field, error.Message + " The user was asked and did not pick one.", error.Expected)
                    {
                        Candidates = error.Candidates,
                    };
                call.Choices[field] = choice;
            }
        }
    }

    private static async Task<string?> AskAsync(McpServer server, CrmError error, string field, bool mayCreate, CancellationToken cancellationToken)
    {
        var options = error.Candidates!.Select(c => new ElicitRequestParams.EnumSchemaOption
        {
            Const = c.Id,
            Title = (c.Email ?? c.Domain) is { } detail ? $"{c.Name} ({detail}): {c.Why}" : $"{c.Name}: {c.Why}",
        }).ToList();
        if (mayCreate) options.Add(new ElicitRequestParams.EnumSchemaOption { Const = WriteCall.CreateNew, Title = "None of these: create a new record" });
        var answer = await server.ElicitAsync(new ElicitRequestParams
        {
            Message = $"{error.Message} Which one did you mean?",
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                {
                    ["choice"] = new ElicitRequestParams.TitledSingleSelectEnumSchema { Title = field, OneOf = options },
                },
                Required = ["choice"],
            },
        }, cancellationToken);
        if (!answer.IsAccepted || answer.Content is null || !answer.Content.TryGetValue("choice", out var picked) ||
            picked.ValueKind != JsonValueKind.String)
            return null;
        var value = picked.GetString();
        return options.Any(o => o.Const == value) ? value : null;
    }

    private static CallToolResult Result(string json) => new()
    {
        StructuredContent = JsonDocument.Parse(json).RootElement.Clone(),
        Content = [new TextContentBlock { Text = json }],
    };

    /// <summary>Adds `"marker": true` to the reply's JSON, in the structured content and the text alike.</summary>
    private static CallToolResult Mark(CallToolResult result, string marker)
    {
        if (result.StructuredContent is not { } structured || JsonNode.Parse(structured.GetRawText()) is not JsonObject body) return result;
        body[marker] = true;
        var json = body.ToJsonString(CrmJson.Options);
        return new CallToolResult
        {
            StructuredContent = JsonDocument.Parse(json).RootElement.Clone(),
            Content = [new TextContentBlock { Text = json }],
            IsError = result.IsError,
            Meta = result.Meta,
        };
    }
}
