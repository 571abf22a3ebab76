using System.Text.Json;
using Gateway.Contracts.Routing;
using Gateway.Edge.Routing;

namespace Gateway.Edge.Caching;

/// <summary>Which target of a routing config a cache key is computed for, and the override_params it gets: the first
/// target of every fallback and loadbalance group (so the key does not depend on which target happens to serve), and
/// for a conditional group the target its conditions pick, exactly as the executor picks it (its targets may override
/// the model, so two requests the conditions route apart must not share an entry).</summary>
/// <param name="Leaf">The leaf: names a provider, a virtual key, or neither (the request's header target).</param>
/// <param name="Overrides">The override_params from the root down to the leaf, the nearer node winning.</param>
internal sealed record CacheKeyRoute(RouteNode Leaf, IReadOnlyList<KeyValuePair<string, JsonElement>> Overrides)
{
    /// <summary>Null when a conditional group matches no target (the executor then refuses the request).</summary>
    public static CacheKeyRoute? Find(RouteNode root, IReadOnlyDictionary<string, string>? metadata, ReadOnlyMemory<byte> body)
    {
        IReadOnlyList<KeyValuePair<string, JsonElement>> overrides = [];
        JsonDocument? json = null;
        try
        {
            var node = root;
            while (true)
            {
                overrides = Merge(node.OverrideParams, overrides);
                if (!node.IsGroup)
                {
                    return new CacheKeyRoute(node, overrides);
                }

                RouteNode? next;
                if (node.Mode == RouteMode.Conditional)
                {
                    json ??= Parse(body);
                    next = Choose(node, metadata, json?.RootElement);
                }
                else
                {
                    next = node.Targets.Count > 0 ? node.Targets[0] : null;
                }

                if (next is null)
                {
                    return null;
                }

                node = next;
            }
        }
        finally
        {
            json?.Dispose();
        }
    }

    private static IReadOnlyList<KeyValuePair<string, JsonElement>> Merge(
        IReadOnlyList<KeyValuePair<string, JsonElement>> own, IReadOnlyList<KeyValuePair<string, JsonElement>> inherited)
    {
        if (own.Count == 0)
        {
            return inherited;
        }

        var merged = new List<KeyValuePair<string, JsonElement>>(own);
        foreach (var pair in inherited)
        {
            if (!merged.Exists(item => item.Key == pair.Key))
            {
                merged.Add(pair);
            }
        }

        return merged;
    }

    private static RouteNode? Choose(RouteNode node, IReadOnlyDictionary<string, string>? metadata, JsonElement? body)
    {
        foreach (var condition in node.Conditions)
        {
            if (RouteConditions.Matches(condition.Query, metadata, body))
            {
                return Named(node.Targets, condition.Then);
            }
        }

        return node.Default is { } name ? Named(node.Targets, name) : null;
    }

    private static RouteNode? Named(IReadOnlyList<RouteNode> targets, string name)
    {
        foreach (var target in targets)
        {
            if (target.Name == name)
            {
                return target;
            }
        }

        return null;
    }

    private static JsonDocument? Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            return body.IsEmpty ? null : JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
