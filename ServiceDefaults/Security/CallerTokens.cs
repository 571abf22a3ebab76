using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.ServiceDefaults.Security;

/// <summary>Checks the bearer token on incoming gRPC calls against the configured admin and internal tokens, in
/// constant time.</summary>
public sealed class CallerTokens(IOptions<SecurityOptions> options)
{
    private readonly byte[] _admin = Encoding.UTF8.GetBytes(options.Value.AdminToken);
    private readonly byte[] _internal = Encoding.UTF8.GetBytes(options.Value.InternalToken);

    public void RequireAdmin(ServerCallContext context)
    {
        if (!Matches(BearerToken(context), _admin))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This call requires the admin token."));
        }
    }

    public void RequireInternal(ServerCallContext context)
    {
        if (!Matches(BearerToken(context), _internal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This call requires the internal service token."));
        }
    }

    public bool IsAdmin(ServerCallContext context) => Matches(BearerToken(context), _admin);

    /// <summary>The token after "Bearer " in the authorization metadata, or null.</summary>
    public static string? BearerToken(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        const string Prefix = "Bearer ";
        return header is not null && header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            ? header[Prefix.Length..].Trim()
            : null;
    }

    private static bool Matches(string? presented, byte[] expected) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), expected);
}
