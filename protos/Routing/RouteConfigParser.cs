using System.Text.Json;

namespace Gateway.Contracts.Routing;

/// <summary>Turns a routing config into the <see cref="RouteNode"/> tree the Edge executes. Validation is
/// <see cref="ConfigValidator"/>'s: <see cref="TryParse"/> runs it first, so the tree is only built from a config
/// that both services accept.</summary>
public static class RouteConfigParser
{
    /// <summary>The tree, or every validation error (with its JSON path).</summary>
    public static RouteNode? TryParse(string json, out IReadOnlyList<ConfigValidationError> errors)
    {
        var (canonical, found) = ConfigValidator.Validate(json);
        errors = found;
        return canonical is null ? null : Parse(canonical);
    }

    /// <summary>Builds the tree of a config that already passed <see cref="ConfigValidator"/> (e.g. one stored by Config).</summary>
    public static RouteNode Parse(string validJson)
    {
        using var document = JsonDocument.Parse(validJson);
        return ParseNode(document.RootElement);
    }

    private static RouteNode ParseNode(JsonElement node)
    {
        RouteMode? mode = null;
        IReadOnlyList<int>? onStatusCodes = null;
        IReadOnlyList<RouteCondition> conditions = [];
        string? defaultTarget = null;
        if (node.TryGetProperty("strategy", out var strategy))
        {
            mode = strategy.GetProperty("mode").GetString() switch
            {
                "fallback" => RouteMode.Fallback,
                "loadbalance" => RouteMode.LoadBalance,
                "conditional" => RouteMode.Conditional,
                _ => RouteMode.Single,
            };
            if (strategy.TryGetProperty("on_status_codes", out var codes))
            {
                onStatusCodes = StatusCodes(codes);
            }

            if (strategy.TryGetProperty("conditions", out var rules))
            {
                conditions = [.. rules.EnumerateArray().Select(rule =>
                    new RouteCondition(ParseQuery(rule.GetProperty("query")), rule.GetProperty("then").GetString()!))];
            }

            defaultTarget = strategy.TryGetProperty("default", out var fallback) ? fallback.GetString() : null;
        }

        return new RouteNode
        {
            Name = String(node, "name"),
            Provider = String(node, "provider")?.Trim().ToLowerInvariant(),
            VirtualKey = String(node, "virtual_key")?.Trim(),
            CustomHost = String(node, "custom_host"),
            Weight = node.TryGetProperty("weight", out var weight) ? weight.GetDouble() : 1,
            OverrideParams = node.TryGetProperty("override_params", out var overrides)
                ? [.. overrides.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.Clone()))]
                : [],
            Retry = node.TryGetProperty("retry", out var retry)
                ? new RetrySettings(retry.TryGetProperty("attempts", out var attempts) ? attempts.GetInt32() : 0,
                    retry.TryGetProperty("on_status_codes", out var retryCodes) ? StatusCodes(retryCodes) : null)
                : null,
            RequestTimeoutMs = node.TryGetProperty("request_timeout", out var timeout) ? timeout.GetInt64() : null,
            Cache = node.TryGetProperty("cache", out var cache)
                ? new CacheSettings(cache.GetProperty("mode").GetString()!, cache.TryGetProperty("max_age", out var age) ? age.GetInt64() : null)
                : null,
            Mode = mode,
            OnStatusCodes = onStatusCodes,
            Conditions = conditions,
            Default = defaultTarget,
            Targets = node.TryGetProperty("targets", out var targets) ? [.. targets.EnumerateArray().Select(ParseNode)] : [],
        };
    }

    private static RouteQuery ParseQuery(JsonElement query)
    {
        var clauses = new List<RouteQuery>();
        foreach (var clause in query.EnumerateObject())
        {
            if (clause.Name is "$and" or "$or")
            {
                List<RouteQuery> parts = [.. clause.Value.EnumerateArray().Select(ParseQuery)];
                clauses.Add(clause.Name == "$and" ? new AllQuery(parts) : new AnyQuery(parts));
                continue;
            }

            foreach (var op in clause.Value.EnumerateObject())
            {
                clauses.Add(new FieldQuery(clause.Name, op.Name, op.Value.Clone()));
            }
        }

        return clauses.Count == 1 ? clauses[0] : new AllQuery(clauses);
    }

    private static int[] StatusCodes(JsonElement codes) => [.. codes.EnumerateArray().Select(code => code.GetInt32())];

    private static string? String(JsonElement node, string name) =>
        node.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
