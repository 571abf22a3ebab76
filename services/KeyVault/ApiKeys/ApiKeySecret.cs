using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.KeyVault.ApiKeys;

/// <summary>Gateway API keys: <c>gwk_</c> + 8 base62 characters (the visible prefix) + <c>_</c> + 32 base62
/// characters, all from the system CSPRNG. About 238 bits of entropy, so a fast SHA-256 is a safe lookup hash:
/// guessing is hopeless and there is nothing to brute-force offline.</summary>
internal static class ApiKeySecret
{
    public const string Scheme = "gwk_";
    public const int PrefixRandomLength = 8;
    public const int SecretRandomLength = 32;

    /// <summary><c>gwk_</c> + the 8 visible characters.</summary>
    public const int PrefixLength = 4 + PrefixRandomLength;

    public const int Length = PrefixLength + 1 + SecretRandomLength;

    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static readonly SearchValues<char> Base62Values = SearchValues.Create(Base62);

    /// <summary>A new key and its visible prefix.</summary>
    public static (string Secret, string Prefix) Generate()
    {
        var prefix = Scheme + RandomNumberGenerator.GetString(Base62, PrefixRandomLength);
        return (prefix + "_" + RandomNumberGenerator.GetString(Base62, SecretRandomLength), prefix);
    }

    /// <summary>True when the value has the shape of a gateway key, so malformed input is refused without a database
    /// round trip.</summary>
    public static bool IsWellFormed(string value)
    {
        if (value.Length != Length || !value.StartsWith(Scheme, StringComparison.Ordinal) || value[PrefixLength] != '_')
        {
            return false;
        }

        return !value.AsSpan(Scheme.Length, PrefixRandomLength).ContainsAnyExcept(Base62Values)
            && !value.AsSpan(PrefixLength + 1).ContainsAnyExcept(Base62Values);
    }

    /// <summary>SHA-256 of the UTF-8 key: what is stored and looked up.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
