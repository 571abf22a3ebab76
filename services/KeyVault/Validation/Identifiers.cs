using System.Text.RegularExpressions;

namespace Gateway.KeyVault.Validation;

/// <summary>The shapes of the identifiers clients choose. They appear in URLs, headers and associated data, so they
/// are kept to a small, unambiguous alphabet.</summary>
internal static partial class Identifiers
{
    public const string TenantIdRule = "2-63 characters of lowercase letters, digits and '-', starting with a letter or digit";
    public const string VirtualKeySlugRule = "1-63 characters of lowercase letters, digits, '.', '_' and '-', starting with a letter or digit";
    public const string ProviderRule = "1-32 characters of lowercase letters, digits and '-'";

    public static bool IsTenantId(string value) => TenantIdPattern().IsMatch(value);

    public static bool IsVirtualKeySlug(string value) => VirtualKeySlugPattern().IsMatch(value);

    public static bool IsProvider(string value) => ProviderPattern().IsMatch(value);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex TenantIdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex VirtualKeySlugPattern();

    [GeneratedRegex("^[a-z0-9-]{1,32}$")]
    private static partial Regex ProviderPattern();
}
