using System.Net;
using System.Net.Sockets;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Auth;

/// <summary>Decides whether a tenant may send a request to a custom host: the host must match the tenant policy's
/// allow-list and, unless the policy allows private hosts, every address it resolves to must be public. Resolution
/// happens here, before the request; a DNS answer that changes between this check and the connection (rebinding) is
/// not caught, which is why allow-listing the host is required in the first place.</summary>
internal sealed class CustomHostGuard(TenantPolicyReader policies)
{
    public async ValueTask<GatewayError?> CheckAsync(string tenantId, Uri baseUrl, CancellationToken cancellationToken)
    {
        var policy = await policies.GetAsync(tenantId, cancellationToken);
        if (policy.Error is { } policyError)
        {
            return policyError;
        }

        var host = HostOf(baseUrl);
        if (!HostAllowList.Matches(policy.Value!.AllowedCustomHosts, host))
        {
            return GatewayError.CustomHostNotAllowed(host);
        }

        if (policy.Value.AllowPrivateHosts)
        {
            return null;
        }

        IPAddress[] addresses;
        if (baseUrl.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            if (!IPAddress.TryParse(host, out var literal))
            {
                return GatewayError.CustomHostUnresolvable(host);
            }

            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException)
            {
                return GatewayError.CustomHostUnresolvable(host);
            }
        }

        foreach (var address in addresses)
        {
            if (PrivateAddresses.IsPrivate(address))
            {
                return GatewayError.CustomHostPrivate(host);
            }
        }

        return addresses.Length == 0 ? GatewayError.CustomHostUnresolvable(host) : null;
    }

    /// <summary>The host as policies name it: lowercase, punycode, IPv6 without brackets.</summary>
    internal static string HostOf(Uri uri) =>
        uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']').ToLowerInvariant() : uri.IdnHost.ToLowerInvariant();
}
