using System.ComponentModel.DataAnnotations;

namespace Gateway.ServiceDefaults.Security;

/// <summary>Shared secrets between the services. Both are random strings of at least 16 characters (run.sh and the
/// deploy manifests generate them).</summary>
public sealed record SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>Presented by operators and the CLI on admin RPCs.</summary>
    [Required, MinLength(16)]
    public string AdminToken { get; init; } = "";

    /// <summary>Presented by one service calling another (Edge to KeyVault, Config, Cache, Analytics).</summary>
    [Required, MinLength(16)]
    public string InternalToken { get; init; } = "";
}
