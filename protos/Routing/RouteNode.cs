using System.Text.Json;

namespace Gateway.Contracts.Routing;

/// <summary>How a group of targets is used.</summary>
public enum RouteMode
{
    /// <summary>The one target.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The schema's own mode name.")]
    Single,

    /// <summary>Targets in order until one answers with something other than a fallback status.</summary>
    Fallback,

    /// <summary>One target, chosen at random in proportion to the weights.</summary>
    LoadBalance,

    /// <summary>The target named by the first matching condition, else the default.</summary>
    Conditional,
}

/// <summary>One node of a validated routing config (the root or any target): a leaf names one upstream
/// (<see cref="Provider"/> or <see cref="VirtualKey"/>, or neither at the root, where the request's headers decide);
/// a group has a <see cref="Mode"/> and <see cref="Targets"/>. Settings that nodes inherit (retry, timeout,
/// override_params) are as written on this node; the executor resolves inheritance.</summary>
public sealed record RouteNode
{
    public string? Name { get; init; }

    public string? Provider { get; init; }

    public string? VirtualKey { get; init; }

    /// <summary>An absolute http(s) base URL that replaces the provider's (only with <see cref="Provider"/>).</summary>
    public string? CustomHost { get; init; }

    public double Weight { get; init; } = 1;

    /// <summary>Top-level request body fields to set, as raw JSON values.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonElement>> OverrideParams { get; init; } = [];

    public RetrySettings? Retry { get; init; }

    /// <summary>Per attempt, in milliseconds.</summary>
    public long? RequestTimeoutMs { get; init; }

    public CacheSettings? Cache { get; init; }

    public RouteMode? Mode { get; init; }

    /// <summary>Fallback mode: the statuses that move on to the next target; null means the default set.</summary>
    public IReadOnlyList<int>? OnStatusCodes { get; init; }

    public IReadOnlyList<RouteCondition> Conditions { get; init; } = [];

    /// <summary>Conditional mode: the target name used when no condition matches.</summary>
    public string? Default { get; init; }

    public IReadOnlyList<RouteNode> Targets { get; init; } = [];

    public bool IsGroup => Mode is not null;

    /// <summary>A leaf that names neither provider nor virtual key (only the root can be one).</summary>
    public bool NamesNoTarget => !IsGroup && Provider is null && VirtualKey is null;
}

/// <param name="Attempts">Retries after the first attempt (0..10).</param>
/// <param name="OnStatusCodes">Statuses that are retried; null means 429, 500, 502, 503, 504.</param>
public sealed record RetrySettings(int Attempts, IReadOnlyList<int>? OnStatusCodes);

public sealed record CacheSettings(string Mode, long? MaxAgeSeconds);

/// <summary>A conditional rule: when <see cref="Query"/> matches, route to the target named <see cref="Then"/>.</summary>
public sealed record RouteCondition(RouteQuery Query, string Then);

/// <summary>A query over <c>metadata.&lt;key&gt;</c> and <c>params.&lt;field&gt;</c>: every clause must hold.</summary>
public abstract record RouteQuery;

/// <summary>All sub-queries hold (<c>$and</c>, and the implicit conjunction of a query's clauses).</summary>
public sealed record AllQuery(IReadOnlyList<RouteQuery> Queries) : RouteQuery;

/// <summary>At least one sub-query holds (<c>$or</c>).</summary>
public sealed record AnyQuery(IReadOnlyList<RouteQuery> Queries) : RouteQuery;

/// <summary>One operator on one field, e.g. <c>metadata.tier $eq "pro"</c>.</summary>
/// <param name="Field">The full field name, <c>metadata.tier</c> or <c>params.model</c>.</param>
/// <param name="Operator">One of $eq $ne $in $nin $gt $gte $lt $lte $regex.</param>
public sealed record FieldQuery(string Field, string Operator, JsonElement Operand) : RouteQuery;
