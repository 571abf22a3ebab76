using System.Net;
using System.Net.Sockets;

namespace Gateway.Edge.Auth;

/// <summary>Addresses a custom host must not reach unless the tenant policy allows private hosts: anything that is
/// not a public unicast address, so that the gateway cannot be used to probe its own network or a cloud metadata
/// service (169.254.169.254, fd00:ec2::254).</summary>
internal static class PrivateAddresses
{
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetwork ? IsPrivateV4(address) : IsPrivateV6(address);
    }

    private static bool IsPrivateV4(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return b[0] switch
        {
            0 or 10 or 127 => true,                      // "this network", private, loopback
            100 => b[1] is >= 64 and <= 127,             // carrier-grade NAT 100.64.0.0/10
            169 => b[1] == 254,                          // link-local, cloud metadata
            172 => b[1] is >= 16 and <= 31,              // private 172.16.0.0/12
            192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2), // private, IETF protocol assignments, TEST-NET-1
            198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100), // benchmarking, TEST-NET-2
            203 => b[1] == 0 && b[2] == 113,             // TEST-NET-3
            >= 224 => true,                              // multicast, reserved, broadcast
            _ => false,
        };
    }

    private static bool IsPrivateV6(IPAddress address)
    {
        if (IPAddress.IPv6None.Equals(address) || IPAddress.IPv6Loopback.Equals(address)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast)
        {
            return true;
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if ((b[0] & 0xFE) == 0xFC)
        {
            return true; // unique local fc00::/7 (fd00::/8 included)
        }

        // Addresses that embed an IPv4 address reach that address: NAT64 64:ff9b::/96 and 6to4 2002::/16.
        if (b[..12].SequenceEqual((ReadOnlySpan<byte>)[0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]))
        {
            return IsPrivateV4(new IPAddress(b[12..]));
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPrivateV4(new IPAddress(b[2..6]));
        }

        return b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8; // documentation 2001:db8::/32
    }
}
