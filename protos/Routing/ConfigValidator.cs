using System.Text.Json;

namespace Gateway.Contracts.Routing;

/// <summary>Validates a routing config in the Portkey schema and collects every problem, not just the first, so an
/// operator fixes a config in one round trip. A node (the root or any target) either names one upstream
/// (<c>provider</c> or <c>virtual_key</c>) or groups <c>targets</c> under a <c>strategy</c>.</summary>
public static class ConfigValidator
{
    public const int MaxJsonBytes = 64 * 1024;
    private const int MaxDepth = 5;
    private const int MaxRetryAttempts = 10;
    private const long MaxRequestTimeoutMs = 10 * 60 * 1000;
    private const long MaxCacheAgeSeconds = 365L * 24 * 60 * 60;

    private static readonly HashSet<string> NodeFields = new(StringComparer.Ordinal)
    {
        "strategy", "targets", "provider", "virtual_key", "override_params", "custom_host",
        "retry", "request_timeout", "cache", "name", "weight",
    };

    private static readonly HashSet<string> Modes = new(StringComparer.Ordinal) { "single", "fallback", "loadbalance", "conditional" };

    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal)
    {
        "$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$regex",
    };

    /// <summary>The canonical JSON when valid, otherwise every error found.</summary>
    public static (string? Canonical, IReadOnlyList<ConfigValidationError> Errors) Validate(string json)
    {
        var errors = new List<ConfigValidationError>();
        if (string.IsNullOrWhiteSpace(json))
        {
            errors.Add(new("$", "config must be a JSON object"));
            return (null, errors);
        }

        if (System.Text.Encoding.UTF8.GetByteCount(json) > MaxJsonBytes)
        {
            errors.Add(new("$", $"config must be at most {MaxJsonBytes} bytes"));
            return (null, errors);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            errors.Add(new("$", $"not valid JSON: {ex.Message}"));
            return (null, errors);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new("$", "config must be a JSON object"));
                return (null, errors);
            }

            try
            {
                ValidateNode(document.RootElement, "$", depth: 0, errors);
                return errors.Count == 0 ? (CanonicalJson.Write(document.RootElement), errors) : (null, errors);
            }
            catch (InvalidOperationException)
            {
                // Reading a string that escapes a lone surrogate ("\ud800"): it has no text to validate or store.
                errors.Add(new("$", "config contains a string that is not valid Unicode"));
                return (null, errors);
            }
        }
    }

    private static void ValidateNode(JsonElement node, string path, int depth, List<ConfigValidationError> errors)
    {
        var isRoot = depth == 0;
        foreach (var property in node.EnumerateObject())
        {
            if (!NodeFields.Contains(property.Name))
            {
                errors.Add(new($"{path}.{property.Name}", "unknown field"));
            }
        }

        var hasStrategy = node.TryGetProperty("strategy", out var strategy);
        var hasTargets = node.TryGetProperty("targets", out var targets);
        var hasProvider = node.TryGetProperty("provider", out var provider);
        var hasVirtualKey = node.TryGetProperty("virtual_key", out var virtualKey);

        if (hasProvider)
        {
            RequireNonEmptyString(provider, $"{path}.provider", errors);
        }

        if (hasVirtualKey)
        {
            RequireNonEmptyString(virtualKey, $"{path}.virtual_key", errors);
        }

        if (hasProvider && hasVirtualKey)
        {
            errors.Add(new(path, "set either provider or virtual_key, not both"));
        }

        if (hasStrategy || hasTargets)
        {
            if (hasProvider || hasVirtualKey)
            {
                errors.Add(new(path, "a node with strategy/targets cannot also name a provider or virtual_key"));
            }

            if (!hasStrategy)
            {
                errors.Add(new($"{path}.strategy", "required when targets are given"));
            }

            if (!hasTargets)
            {
                errors.Add(new($"{path}.targets", "required when a strategy is given"));
            }
        }
        else if (!isRoot && !hasProvider && !hasVirtualKey)
        {
            // The root may omit a target: the request's own provider headers then choose the upstream.
            errors.Add(new(path, "a target needs provider, virtual_key, or strategy with targets"));
        }

        var names = hasTargets ? ValidateTargets(targets, $"{path}.targets", depth, errors) : [];
        if (hasStrategy)
        {
            ValidateStrategy(strategy, $"{path}.strategy", hasTargets ? targets : default, names, errors);
        }

        if (node.TryGetProperty("weight", out var weight))
        {
            if (isRoot)
            {
                errors.Add(new($"{path}.weight", "only targets have a weight"));
            }
            else if (weight.ValueKind != JsonValueKind.Number || !weight.TryGetDouble(out var w) || w <= 0)
            {
                errors.Add(new($"{path}.weight", "must be > 0"));
            }
        }

        if (node.TryGetProperty("name", out var name) && (isRoot || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0))
        {
            errors.Add(new($"{path}.name", isRoot ? "only targets have a name" : "must be a non-empty string"));
        }

        if (node.TryGetProperty("override_params", out var overrides) && overrides.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new($"{path}.override_params", "must be an object"));
        }

        if (node.TryGetProperty("custom_host", out var customHost))
        {
            ValidateCustomHost(customHost, $"{path}.custom_host", hasProvider, errors);
        }

        if (node.TryGetProperty("retry", out var retry))
        {
            ValidateRetry(retry, $"{path}.retry", errors);
        }

        if (node.TryGetProperty("request_timeout", out var timeout)
            && (!timeout.TryGetInt64Safe(out var ms) || ms is <= 0 or > MaxRequestTimeoutMs))
        {
            errors.Add(new($"{path}.request_timeout", $"must be an integer number of milliseconds from 1 to {MaxRequestTimeoutMs}"));
        }

        if (node.TryGetProperty("cache", out var cache))
        {
            ValidateCache(cache, $"{path}.cache", errors);
        }
    }

    private static HashSet<string> ValidateTargets(JsonElement targets, string path, int depth, List<ConfigValidationError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (targets.ValueKind != JsonValueKind.Array || targets.GetArrayLength() == 0)
        {
            errors.Add(new(path, "must be a non-empty array"));
            return names;
        }

        if (depth + 1 > MaxDepth)
        {
            errors.Add(new(path, $"targets may nest at most {MaxDepth} levels"));
            return names;
        }

        var index = 0;
        foreach (var target in targets.EnumerateArray())
        {
            var targetPath = $"{path}[{index++}]";
            if (target.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(targetPath, "must be an object"));
                continue;
            }

            ValidateNode(target, targetPath, depth + 1, errors);
            if (target.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                && name.GetString() is { Length: > 0 } n && !names.Add(n))
            {
                errors.Add(new($"{targetPath}.name", $"duplicate target name '{n}'"));
            }
        }

        return names;
    }

    private static void ValidateStrategy(JsonElement strategy, string path, JsonElement targets, HashSet<string> names, List<ConfigValidationError> errors)
    {
        if (strategy.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, "must be an object"));
            return;
        }

        foreach (var property in strategy.EnumerateObject())
        {
            if (property.Name is not ("mode" or "on_status_codes" or "conditions" or "default"))
            {
                errors.Add(new($"{path}.{property.Name}", "unknown field"));
            }
        }

        string? mode = null;
        if (!strategy.TryGetProperty("mode", out var modeElement))
        {
            errors.Add(new($"{path}.mode", "required (single, fallback, loadbalance or conditional)"));
        }
        else if (modeElement.ValueKind != JsonValueKind.String || !Modes.Contains(modeElement.GetString()!))
        {
            errors.Add(new($"{path}.mode", "must be one of single, fallback, loadbalance, conditional"));
        }
        else
        {
            mode = modeElement.GetString();
        }

        if (mode == "single" && targets.ValueKind == JsonValueKind.Array && targets.GetArrayLength() > 1)
        {
            errors.Add(new(path.Replace(".strategy", ".targets", StringComparison.Ordinal), "single mode takes exactly one target"));
        }

        if (strategy.TryGetProperty("on_status_codes", out var codes))
        {
            if (mode != "fallback")
            {
                errors.Add(new($"{path}.on_status_codes", "only applies to fallback mode"));
            }

            ValidateStatusCodes(codes, $"{path}.on_status_codes", errors);
        }

        var hasConditions = strategy.TryGetProperty("conditions", out var conditions);
        var hasDefault = strategy.TryGetProperty("default", out var fallbackTarget);
        if (mode != "conditional")
        {
            if (hasConditions)
            {
                errors.Add(new($"{path}.conditions", "only applies to conditional mode"));
            }

            if (hasDefault)
            {
                errors.Add(new($"{path}.default", "only applies to conditional mode"));
            }

            return;
        }

        if (!hasConditions)
        {
            errors.Add(new($"{path}.conditions", "required in conditional mode"));
        }
        else if (conditions.ValueKind != JsonValueKind.Array || conditions.GetArrayLength() == 0)
        {
            errors.Add(new($"{path}.conditions", "must be a non-empty array"));
        }
        else
        {
            var index = 0;
            foreach (var condition in conditions.EnumerateArray())
            {
                ValidateCondition(condition, $"{path}.conditions[{index++}]", names, errors);
            }
        }

        if (hasDefault)
        {
            RequireTargetName(fallbackTarget, $"{path}.default", names, errors);
        }
    }

    private static void ValidateCondition(JsonElement condition, string path, HashSet<string> names, List<ConfigValidationError> errors)
    {
        if (condition.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, "must be an object with query and then"));
            return;
        }

        foreach (var property in condition.EnumerateObject())
        {
            if (property.Name is not ("query" or "then"))
            {
                errors.Add(new($"{path}.{property.Name}", "unknown field"));
            }
        }

        if (!condition.TryGetProperty("query", out var query))
        {
            errors.Add(new($"{path}.query", "required"));
        }
        else
        {
            ValidateQuery(query, $"{path}.query", errors);
        }

        if (!condition.TryGetProperty("then", out var then))
        {
            errors.Add(new($"{path}.then", "required"));
        }
        else
        {
            RequireTargetName(then, $"{path}.then", names, errors);
        }
    }

    private static void ValidateQuery(JsonElement query, string path, List<ConfigValidationError> errors)
    {
        if (query.ValueKind != JsonValueKind.Object || !query.EnumerateObject().Any())
        {
            errors.Add(new(path, "must be a non-empty object"));
            return;
        }

        foreach (var clause in query.EnumerateObject())
        {
            var clausePath = $"{path}['{clause.Name}']";
            if (clause.Name is "$and" or "$or")
            {
                if (clause.Value.ValueKind != JsonValueKind.Array || clause.Value.GetArrayLength() == 0)
                {
                    errors.Add(new(clausePath, "must be a non-empty array of queries"));
                    continue;
                }

                var index = 0;
                foreach (var sub in clause.Value.EnumerateArray())
                {
                    ValidateQuery(sub, $"{clausePath}[{index++}]", errors);
                }

                continue;
            }

            if (!clause.Name.StartsWith("metadata.", StringComparison.Ordinal) && !clause.Name.StartsWith("params.", StringComparison.Ordinal))
            {
                errors.Add(new(clausePath, "field must start with metadata. or params."));
            }

            if (clause.Value.ValueKind != JsonValueKind.Object || !clause.Value.EnumerateObject().Any())
            {
                errors.Add(new(clausePath, "must be an object of operators such as {\"$eq\": \"pro\"}"));
                continue;
            }

            foreach (var op in clause.Value.EnumerateObject())
            {
                var opPath = $"{clausePath}.{op.Name}";
                if (!Operators.Contains(op.Name))
                {
                    errors.Add(new(opPath, "unknown operator (use $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $regex)"));
                }
                else if (op.Name is "$in" or "$nin" && op.Value.ValueKind != JsonValueKind.Array)
                {
                    errors.Add(new(opPath, "must be an array"));
                }
                else if (op.Name is "$gt" or "$gte" or "$lt" or "$lte" && op.Value.ValueKind != JsonValueKind.Number)
                {
                    errors.Add(new(opPath, "must be a number"));
                }
                else if (op.Name == "$regex" && !IsValidRegex(op.Value))
                {
                    errors.Add(new(opPath, "must be a valid regular expression"));
                }
            }
        }
    }

    private static bool IsValidRegex(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            _ = new System.Text.RegularExpressions.Regex(value.GetString()!, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromMilliseconds(100));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void RequireTargetName(JsonElement value, string path, HashSet<string> names, List<ConfigValidationError> errors)
    {
        if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
        {
            errors.Add(new(path, "must be a target name"));
        }
        else if (!names.Contains(value.GetString()!))
        {
            errors.Add(new(path, $"no target is named '{value.GetString()}'"));
        }
    }

    private static void ValidateRetry(JsonElement retry, string path, List<ConfigValidationError> errors)
    {
        if (retry.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, "must be an object"));
            return;
        }

        foreach (var property in retry.EnumerateObject())
        {
            if (property.Name is not ("attempts" or "on_status_codes"))
            {
                errors.Add(new($"{path}.{property.Name}", "unknown field"));
            }
        }

        if (retry.TryGetProperty("attempts", out var attempts)
            && (!attempts.TryGetInt64Safe(out var n) || n is < 0 or > MaxRetryAttempts))
        {
            errors.Add(new($"{path}.attempts", $"must be an integer from 0 to {MaxRetryAttempts}"));
        }

        if (retry.TryGetProperty("on_status_codes", out var codes))
        {
            ValidateStatusCodes(codes, $"{path}.on_status_codes", errors);
        }
    }

    private static void ValidateStatusCodes(JsonElement codes, string path, List<ConfigValidationError> errors)
    {
        if (codes.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new(path, "must be an array of HTTP status codes"));
            return;
        }

        var index = 0;
        foreach (var code in codes.EnumerateArray())
        {
            if (!code.TryGetInt64Safe(out var value) || value is < 100 or > 599)
            {
                errors.Add(new($"{path}[{index}]", "must be an HTTP status code from 100 to 599"));
            }

            index++;
        }
    }

    private static void ValidateCache(JsonElement cache, string path, List<ConfigValidationError> errors)
    {
        if (cache.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, "must be an object"));
            return;
        }

        foreach (var property in cache.EnumerateObject())
        {
            if (property.Name is not ("mode" or "max_age"))
            {
                errors.Add(new($"{path}.{property.Name}", "unknown field"));
            }
        }

        if (!cache.TryGetProperty("mode", out var mode))
        {
            errors.Add(new($"{path}.mode", "required (simple)"));
        }
        else if (mode.ValueKind != JsonValueKind.String || mode.GetString() != "simple")
        {
            // Semantic caching needs an embedding store the Cache service does not have; refusing it here is
            // better than silently serving exact-match hits to a config that asked for something else.
            errors.Add(new($"{path}.mode", mode.ValueKind == JsonValueKind.String && mode.GetString() == "semantic"
                ? "semantic caching is not supported; use simple"
                : "must be simple"));
        }

        if (cache.TryGetProperty("max_age", out var maxAge)
            && (!maxAge.TryGetInt64Safe(out var seconds) || seconds is <= 0 or > MaxCacheAgeSeconds))
        {
            errors.Add(new($"{path}.max_age", $"must be an integer number of seconds from 1 to {MaxCacheAgeSeconds}"));
        }
    }

    private static void ValidateCustomHost(JsonElement host, string path, bool hasProvider, List<ConfigValidationError> errors)
    {
        if (host.ValueKind != JsonValueKind.String
            || !Uri.TryCreate(host.GetString(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add(new(path, "must be an absolute http(s) URL without credentials"));
        }
        else if (!hasProvider)
        {
            errors.Add(new(path, "requires provider on the same target"));
        }
    }

    private static void RequireNonEmptyString(JsonElement value, string path, List<ConfigValidationError> errors)
    {
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            errors.Add(new(path, "must be a non-empty string"));
        }
    }

    private static bool TryGetInt64Safe(this JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }
}
