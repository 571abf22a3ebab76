using System.Security.Cryptography;

namespace Gateway.Testing;

/// <summary>The shared secrets every service in a test run is configured with.</summary>
public static class TestSecrets
{
    public const string AdminToken = "test-admin-token-0123456789";
    public const string InternalToken = "test-internal-token-0123456789";
    public static readonly string MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The Security section as settings.</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["Security:AdminToken"] = AdminToken,
        ["Security:InternalToken"] = InternalToken,
    };

    /// <summary><paramref name="settings"/> with the Security section added (for a service host).</summary>
    public static Dictionary<string, string?> With(Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in Settings())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>gRPC call metadata carrying a bearer token.</summary>
    public static Grpc.Core.Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };
}
