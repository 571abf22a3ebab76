using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Options;

/// <summary>Limits and cache lifetimes of the Edge request path (section <c>Edge</c>).</summary>
public sealed record EdgeOptions
{
    public const string SectionName = "Edge";

    /// <summary>Largest request body accepted; bigger bodies get 413 before anything reaches a provider.</summary>
    [Range(1024, 1L << 30)]
    public long MaxRequestBodyBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>After refusing an oversized body (413), up to this much more of it is read and dropped before the
    /// answer goes out, so a client that is still sending reads the 413: closing with unread bytes makes the kernel
    /// reset the connection, and the reset can destroy the answer before the client has read it. Beyond it (or
    /// <see cref="OversizedBodyDrainTimeout"/>) the connection is closed as it is. Zero answers at once.</summary>
    [Range(0, 64L * 1024 * 1024)]
    public long OversizedBodyDrainBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>How long the rest of an oversized body is read and dropped at most (see <see cref="OversizedBodyDrainBytes"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan OversizedBodyDrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Whole upstream exchange, first byte to last (long generations stream for minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Deadline of each KeyVault/Config call made on the request path.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan DependencyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a resolved gateway key or virtual key is reused without asking KeyVault again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan KeyCacheTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long "unknown key" answers are reused: short, so a new key works almost at once, but long
    /// enough that a flood of bad keys does not become a flood of KeyVault calls.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan NegativeKeyCacheTtl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound on cached key resolutions (each counts one), so random keys cannot grow memory.</summary>
    [Range(100, 10_000_000)]
    public int KeyCacheEntries { get; init; } = 100_000;

    /// <summary>How long a tenant's policy (allowed custom hosts) is reused without asking Config again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan TenantPolicyCacheTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a cached answer (gateway key, virtual key, policy, config) may still be used after its TTL
    /// when KeyVault or Config cannot be reached (stale-on-error), so an outage of theirs or of their database does
    /// not stop traffic. Answers dropped by a Watch event, revocation or deletion are never served. Zero disables it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan StaleIfErrorFor { get; init; } = TimeSpan.FromHours(1);

    /// <summary>While a stale answer is served, how long before the dependency is asked again, so an outage does not
    /// cost every request a <see cref="DependencyTimeout"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StaleRetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the price table is reloaded from Config in the background.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PriceRefreshInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Load the token estimator's tables at start-up instead of on the first answer without usage (see
    /// <see cref="Usage.TokenEstimator"/>: ~40 MB of heap that Edges whose providers report usage never need).</summary>
    public bool PreloadTokenEstimator { get; init; }
}
