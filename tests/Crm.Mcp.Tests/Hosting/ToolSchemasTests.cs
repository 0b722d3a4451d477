using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Tests.Infrastructure;
using ModelContextProtocol;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>The compaction ToolSchemas applies to every tool, and the validator the other tests rely on.</summary>
public sealed class ToolSchemasTests
{
    [Fact]
    public async Task Input_schemas_say_optional_by_leaving_out_of_required_not_by_null()
    {
        await using var server = await TestServer.StartAsync();
        var tools = await server.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        foreach (var tool in tools)
        {
            var input = JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText())!;
            Assert.DoesNotContain("\"null\"", input.ToJsonString());
            Assert.DoesNotContain("\"default\":null", input.ToJsonString());
            Assert.DoesNotContain("x-crm-type", input.ToJsonString());
        }
    }

    [Fact]
    public async Task Output_schemas_share_repeated_shapes_and_every_reference_resolves()
    {
        await using var server = await TestServer.StartAsync();
        var tools = await server.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var createDeals = tools.Single(t => t.Name == "create_deals").ProtocolTool.OutputSchema!.Value;
        Assert.True(createDeals.GetProperty("$defs").TryGetProperty("ResolvedRecord", out _));
        foreach (var tool in tools)
        {
            var output = tool.ProtocolTool.OutputSchema!.Value;
            Assert.Equal("object", output.GetProperty("type").GetString());
            var text = output.GetRawText();
            Assert.DoesNotContain("x-crm-type", text);
            foreach (var reference in References(output))
            {
                var name = reference["#/$defs/".Length..];
                Assert.True(output.GetProperty("$defs").TryGetProperty(name, out _), $"{tool.Name}: {reference} points nowhere");
            }
        }
    }

    [Fact]
    public async Task An_explicit_null_for_an_optional_argument_means_not_given_but_a_required_one_must_be_there()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", stage_name = (string?)null, amount = (double?)null });
        var listed = await server.CallOkAsync("get_deals", new { stage = (string?)null, limit = (int?)null });
        Assert.Equal(1, listed.GetProperty("data").GetProperty("total").GetProperty("value").GetInt32());
        var error = await server.CallErrorAsync("get_deal", new { deal = (string?)null });
        Assert.Equal("deal", error.GetProperty("field").GetString());
        var itemError = await server.CallErrorAsync("create_deal_draft", new { person_ids = new string?[] { null } });
        Assert.Equal("person_ids[0]", itemError.GetProperty("field").GetString());
    }

    [Fact]
    public void Validator_rejects_a_wrong_type_a_missing_required_property_and_a_null_outside_anyOf()
    {
        var schema = JsonDocument.Parse("""
            {"type": "object", "properties": {
               "deal": {"anyOf": [{"$ref": "#/$defs/Deal"}, {"type": "null"}]},
               "people": {"type": "array", "items": {"$ref": "#/$defs/Deal"}}},
             "required": ["deal"],
             "$defs": {"Deal": {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "integer"}}, "required": ["id"]}}}
            """).RootElement;
        Assert.Empty(SchemaValidator.Validate(schema, Parse("""{"deal": {"id": "d1", "n": 2}, "people": [{"id": "p"}]}""")));
        Assert.Empty(SchemaValidator.Validate(schema, Parse("""{"deal": null}""")));
        Assert.NotEmpty(SchemaValidator.Validate(schema, Parse("""{}""")));
        Assert.NotEmpty(SchemaValidator.Validate(schema, Parse("""{"deal": {"n": 2}}""")));
        Assert.NotEmpty(SchemaValidator.Validate(schema, Parse("""{"deal": {"id": "d1", "n": 2.5}}""")));
        Assert.NotEmpty(SchemaValidator.Validate(schema, Parse("""{"deal": null, "people": [null]}""")));
        Assert.NotEmpty(SchemaValidator.Validate(schema, Parse("""{"deal": "DEAL-001"}""")));
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    private static IEnumerable<string> References(JsonElement node) => node.ValueKind switch
    {
        JsonValueKind.Object => node.EnumerateObject().SelectMany(p =>
            p.Name == "$ref" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : References(p.Value)),
        JsonValueKind.Array => node.EnumerateArray().SelectMany(References),
        _ => [],
    };
}
