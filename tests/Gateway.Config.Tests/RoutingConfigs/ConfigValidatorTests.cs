using Gateway.Contracts.Routing;

namespace Gateway.Config.Tests.RoutingConfigs;

public sealed class ConfigValidatorTests
{
    [Theory]
    [InlineData("""{"virtual_key":"vk-openai"}""")]
    [InlineData("""{"provider":"openai","override_params":{"model":"gpt-4o-mini"}}""")]
    [InlineData("""{"cache":{"mode":"simple","max_age":60},"retry":{"attempts":3,"on_status_codes":[429,503]}}""")]
    [InlineData("""{"strategy":{"mode":"fallback","on_status_codes":[500,502]},"targets":[{"virtual_key":"a"},{"provider":"anthropic"}]}""")]
    [InlineData("""{"strategy":{"mode":"loadbalance"},"targets":[{"virtual_key":"a","weight":0.7},{"virtual_key":"b","weight":0.3}]}""")]
    [InlineData("""{"strategy":{"mode":"single"},"targets":[{"provider":"openai","custom_host":"http://localhost:11434/v1"}],"request_timeout":30000}""")]
    [InlineData("""{"strategy":{"mode":"fallback"},"targets":[{"strategy":{"mode":"loadbalance"},"targets":[{"virtual_key":"a"},{"virtual_key":"b"}]},{"virtual_key":"c"}]}""")]
    public void Valid_configs_pass(string json)
    {
        var (canonical, errors) = ConfigValidator.Validate(json);

        Assert.Empty(errors);
        Assert.NotNull(canonical);
    }

    [Fact]
    public void Every_error_is_reported_with_its_path()
    {
        const string json = """
            {
              "strategy": {"mode": "roundrobin"},
              "targets": [
                {"virtual_key": "a", "weight": 1},
                {"virtual_key": "b", "weight": 0},
                {"provider": "openai", "virtual_key": "c"},
                {"weight": 2}
              ],
              "retry": {"attempts": 11, "on_status_codes": [429, 700]},
              "request_timeout": -5,
              "cache": {"mode": "semantic", "max_age": 0},
              "colour": "blue"
            }
            """;

        var (canonical, errors) = ConfigValidator.Validate(json);

        Assert.Null(canonical);
        var messages = errors.Select(e => e.ToString()).ToList();
        Assert.Contains("$.targets[1].weight: must be > 0", messages);
        Assert.Contains(errors, e => e.Path == "$.strategy.mode");
        Assert.Contains(errors, e => e.Path == "$.targets[2]" && e.Message.Contains("not both", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.targets[3]");
        Assert.Contains(errors, e => e.Path == "$.retry.attempts");
        Assert.Contains(errors, e => e.Path == "$.retry.on_status_codes[1]");
        Assert.Contains(errors, e => e.Path == "$.request_timeout");
        Assert.Contains(errors, e => e.Path == "$.cache.mode" && e.Message.Contains("semantic", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.cache.max_age");
        Assert.Contains(errors, e => e.Path == "$.colour" && e.Message == "unknown field");
        Assert.Equal(10, errors.Count);
    }

    [Fact]
    public void Conditional_rules_must_name_existing_targets_and_use_known_operators()
    {
        const string json = """
            {
              "strategy": {
                "mode": "conditional",
                "conditions": [
                  {"query": {"metadata.tier": {"$eq": "pro"}}, "then": "premium"},
                  {"query": {"metadata.tier": {"$like": "free"}}, "then": "nowhere"},
                  {"query": {"user": {"$in": "x"}}, "then": "basic"}
                ],
                "default": "missing"
              },
              "targets": [
                {"name": "premium", "virtual_key": "vk-pro"},
                {"name": "basic", "virtual_key": "vk-basic"}
              ]
            }
            """;

        var (_, errors) = ConfigValidator.Validate(json);

        var paths = errors.Select(e => e.Path).ToHashSet();
        Assert.Contains("$.strategy.conditions[1].query['metadata.tier'].$like", paths);
        Assert.Contains("$.strategy.conditions[1].then", paths);
        Assert.Contains("$.strategy.conditions[2].query['user']", paths);
        Assert.Contains("$.strategy.conditions[2].query['user'].$in", paths);
        Assert.Contains("$.strategy.default", paths);
        Assert.DoesNotContain(errors, e => e.Path.StartsWith("$.strategy.conditions[0]", StringComparison.Ordinal));
        Assert.Equal(5, errors.Count);
    }

    [Fact]
    public void Conditional_mode_requires_conditions()
    {
        var (_, errors) = ConfigValidator.Validate("""{"strategy":{"mode":"conditional"},"targets":[{"virtual_key":"a"}]}""");

        Assert.Equal("$.strategy.conditions", Assert.Single(errors).Path);
    }

    [Theory]
    [InlineData("", "$")]
    [InlineData("[1,2]", "$")]
    [InlineData("{\"strategy\":", "$")]
    [InlineData("""{"strategy":{"mode":"fallback"}}""", "$.targets")]
    [InlineData("""{"targets":[{"virtual_key":"a"}]}""", "$.strategy")]
    [InlineData("""{"strategy":{"mode":"single"},"targets":[]}""", "$.targets")]
    [InlineData("""{"virtual_key":"a","custom_host":"ftp://x"}""", "$.custom_host")]
    public void Structural_errors_point_at_the_right_place(string json, string path)
    {
        var (canonical, errors) = ConfigValidator.Validate(json);

        Assert.Null(canonical);
        Assert.Contains(errors, e => e.Path == path);
    }

    [Fact]
    public void Canonical_json_sorts_keys_and_keeps_numbers_exact()
    {
        var (canonical, _) = ConfigValidator.Validate("""
            { "virtual_key": "a",
              "override_params": {"temperature": 0.1000000000000000055, "model": "gpt-4o"} }
            """);

        Assert.Equal("""{"override_params":{"model":"gpt-4o","temperature":0.1000000000000000055},"virtual_key":"a"}""", canonical);
    }
}
