extern alias edge;

using System.Text.Json;
using edge::Gateway.Edge.Routing;
using Gateway.Contracts.Routing;

namespace Gateway.Edge.Tests.Routing;

public sealed class RouteConditionsTests
{
    private static readonly Dictionary<string, string> Metadata = new() { ["tier"] = "pro", ["count"] = "42" };

    [Theory]
    [InlineData("""{"metadata.tier":{"$eq":"pro"}}""", true)]
    [InlineData("""{"metadata.tier":{"$ne":"pro"}}""", false)]
    [InlineData("""{"metadata.missing":{"$ne":"pro"}}""", true)]
    [InlineData("""{"metadata.missing":{"$eq":"pro"}}""", false)]
    [InlineData("""{"metadata.tier":{"$in":["free","pro"]}}""", true)]
    [InlineData("""{"metadata.tier":{"$nin":["free","pro"]}}""", false)]
    [InlineData("""{"metadata.count":{"$gt":41,"$lte":42}}""", true)]
    [InlineData("""{"metadata.count":{"$lt":42}}""", false)]
    [InlineData("""{"metadata.tier":{"$regex":"^p.o$"}}""", true)]
    [InlineData("""{"params.model":{"$eq":"gpt-4o"}}""", true)]
    [InlineData("""{"params.max_tokens":{"$gte":100}}""", true)]
    [InlineData("""{"params.stream":{"$eq":true}}""", true)]
    [InlineData("""{"params.max_tokens":{"$eq":"100"}}""", true)]
    [InlineData("""{"$or":[{"metadata.tier":{"$eq":"free"}},{"params.model":{"$regex":"^gpt"}}]}""", true)]
    [InlineData("""{"$and":[{"metadata.tier":{"$eq":"pro"}},{"params.model":{"$eq":"other"}}]}""", false)]
    [InlineData("""{"metadata.tier":{"$eq":"pro"},"params.model":{"$eq":"other"}}""", false)]
    public void Evaluates_operators(string query, bool expected)
    {
        var root = RouteConfigParser.TryParse(
            $$"""{"strategy":{"mode":"conditional","conditions":[{"query":{{query}},"then":"a"}]},"targets":[{"name":"a","virtual_key":"a"}]}""",
            out var errors);
        Assert.Empty(errors);
        using var body = JsonDocument.Parse("""{"model":"gpt-4o","max_tokens":100,"stream":true}""");

        Assert.Equal(expected, RouteConditions.Matches(root!.Conditions[0].Query, Metadata, body.RootElement));
    }
}
