using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Options;

/// <summary>The connection pool shared by every provider (section <c>Providers:Http</c>).</summary>
public sealed record ProviderHttpOptions
{
    public const string SectionName = "Providers:Http";

    /// <summary>Connections are recycled after this long so DNS changes of a provider are picked up.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan PooledConnectionLifetime { get; init; } = TimeSpan.FromMinutes(2);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
