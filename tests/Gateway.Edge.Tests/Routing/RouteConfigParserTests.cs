using Gateway.Contracts.Routing;

namespace Gateway.Edge.Tests.Routing;

public sealed class RouteConfigParserTests
{
    [Fact]
    public void Parses_nested_strategies_with_their_settings()
    {
        var root = RouteConfigParser.TryParse("""
            {"retry":{"attempts":2,"on_status_codes":[503]},"request_timeout":1500,
             "strategy":{"mode":"loadbalance"},
             "targets":[
               {"weight":3,"strategy":{"mode":"fallback","on_status_codes":[500]},
                "targets":[{"virtual_key":"a","override_params":{"model":"gpt-4o","max_tokens":5}},{"provider":"OpenAI","custom_host":"http://h.example/v1"}]},
               {"virtual_key":"c","weight":0.5}]}
            """, out var errors);

        Assert.Empty(errors);
        Assert.NotNull(root);
        Assert.Equal(RouteMode.LoadBalance, root.Mode);
        Assert.Equal(new RetrySettings(2, [503]).Attempts, root.Retry!.Attempts);
        Assert.Equal([503], root.Retry.OnStatusCodes);
        Assert.Equal(1500, root.RequestTimeoutMs);
        var nested = root.Targets[0];
        Assert.Equal((RouteMode.Fallback, 3d), (nested.Mode!.Value, nested.Weight));
        Assert.Equal([500], nested.OnStatusCodes);
        Assert.Equal("a", nested.Targets[0].VirtualKey);
        // Canonical JSON: keys in ordinal order.
        Assert.Equal(["max_tokens", "model"], nested.Targets[0].OverrideParams.Select(p => p.Key));
        Assert.Equal(("openai", "http://h.example/v1"), (nested.Targets[1].Provider, nested.Targets[1].CustomHost));
        Assert.Equal(0.5, root.Targets[1].Weight);
        Assert.Equal(1, nested.Targets[0].Weight);
    }

    [Fact]
    public void Parses_conditions_with_and_or()
    {
        var root = RouteConfigParser.TryParse("""
            {"strategy":{"mode":"conditional","default":"b",
              "conditions":[{"query":{"$or":[{"metadata.tier":{"$eq":"pro"}},{"params.max_tokens":{"$gt":100,"$lt":200}}]},"then":"a"}]},
             "targets":[{"name":"a","virtual_key":"a"},{"name":"b","virtual_key":"b"}]}
            """, out var errors);

        Assert.Empty(errors);
        var condition = Assert.Single(root!.Conditions);
        Assert.Equal("a", condition.Then);
        var any = Assert.IsType<AnyQuery>(condition.Query);
        Assert.Equal("metadata.tier", Assert.IsType<FieldQuery>(any.Queries[0]).Field);
        Assert.Equal(2, Assert.IsType<AllQuery>(any.Queries[1]).Queries.Count);
        Assert.Equal("b", root.Default);
    }

    [Fact]
    public void Root_without_target_names_none_and_invalid_configs_report_paths()
    {
        Assert.True(RouteConfigParser.TryParse("""{"retry":{"attempts":1}}""", out _)!.NamesNoTarget);

        Assert.Null(RouteConfigParser.TryParse("""{"strategy":{"mode":"fallback"},"targets":[{"weight":-1}]}""", out var errors));
        Assert.Contains(errors, e => e.Path == "$.targets[0].weight");
        Assert.Contains(errors, e => e.Path == "$.targets[0]");
    }
}
