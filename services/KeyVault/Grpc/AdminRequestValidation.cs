using Gateway.Contracts.KeyVault.V1;
using Gateway.KeyVault.ApiKeys;
using Gateway.KeyVault.Validation;
using Gateway.KeyVault.VirtualKeys;
using Google.Protobuf.Collections;
using Grpc.Core;

namespace Gateway.KeyVault.Grpc;

/// <summary>Checks admin requests before they touch the database and reports every problem at once as
/// INVALID_ARGUMENT, each saying what to fix.</summary>
internal static class AdminRequestValidation
{
    public const string MockProvider = "mock";
    private const int MaxDisplayNameLength = 200;
    private const int MaxApiKeyNameLength = 100;
    private const int MaxScopeEntries = 100;
    private const int MaxScopeEntryLength = 200;
    private const int MaxCredentialLength = 16 * 1024;
    private const int MaxBaseUrlLength = 2048;
    private const int MaxExtras = 32;
    private const int MaxExtraKeyLength = 64;
    private const int MaxExtraValueLength = 2048;

    public static void ValidateTenantId(string tenantId, string field = "tenant_id")
    {
        if (!Identifiers.IsTenantId(tenantId))
        {
            throw Invalid([TenantIdProblem(tenantId, field)]);
        }
    }

    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>The page size to use; the token is a tenant id (the last of the previous page) or empty.</summary>
    public static int ValidatePage(ListTenantsRequest request)
    {
        List<string> problems = [];
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            problems.Add($"page_size must be 0 to {MaxPageSize}, got {request.PageSize}.");
        }

        if (request.PageToken.Length > 0 && !Identifiers.IsTenantId(request.PageToken))
        {
            problems.Add("page_token is not a token from a previous page.");
        }

        if (problems.Count > 0)
        {
            throw Invalid(problems);
        }

        return request.PageSize == 0 ? DefaultPageSize : request.PageSize;
    }

    public static void Validate(CreateTenantRequest request)
    {
        List<string> problems = [];
        if (!Identifiers.IsTenantId(request.Id))
        {
            problems.Add(TenantIdProblem(request.Id, "id"));
        }

        if (request.DisplayName.Length > MaxDisplayNameLength)
        {
            problems.Add($"display_name is longer than {MaxDisplayNameLength} characters.");
        }

        ThrowIfAny(problems);
    }

    /// <summary>Validates the request and returns it as the store's input.</summary>
    public static NewApiKey Validate(CreateApiKeyRequest request, DateTime now, string defaultName)
    {
        List<string> problems = [];
        if (!Identifiers.IsTenantId(request.TenantId))
        {
            problems.Add(TenantIdProblem(request.TenantId, "tenant_id"));
        }

        if (request.Name.Length > MaxApiKeyNameLength)
        {
            problems.Add($"name is longer than {MaxApiKeyNameLength} characters.");
        }

        DateTime? expiresAt = null;
        if (request.ExpiresAt is { } expiry)
        {
            expiresAt = expiry.ToDateTime();
            if (expiresAt <= now)
            {
                problems.Add("expires_at must be in the future; leave it unset for a key that never expires.");
            }
        }

        var scopes = request.Scopes ?? new ApiKeyScopes();
        ValidateScope(scopes.Providers, "scopes.providers", problems);
        ValidateScope(scopes.Models, "scopes.models", problems);
        ValidateScope(scopes.ConfigIds, "scopes.config_ids", problems);
        ThrowIfAny(problems);

        return new NewApiKey(request.TenantId, request.Name.Length == 0 ? defaultName : request.Name, expiresAt,
            new ApiKeyScopeSet(Distinct(scopes.Providers), Distinct(scopes.Models), Distinct(scopes.ConfigIds)));
    }

    /// <summary>The owner's tenant id and the key id, or INVALID_ARGUMENT naming both problems.</summary>
    public static Guid Validate(RevokeApiKeyRequest request)
    {
        List<string> problems = [];
        if (!Identifiers.IsTenantId(request.TenantId))
        {
            problems.Add(TenantIdProblem(request.TenantId, "tenant_id"));
        }

        if (!Guid.TryParse(request.Id, out var id))
        {
            problems.Add($"id '{Echo(request.Id)}' is not an API key id (a UUID as shown by ListApiKeys).");
        }

        ThrowIfAny(problems);
        return id;
    }

    public static void Validate(DeleteVirtualKeyRequest request)
    {
        List<string> problems = [];
        if (!Identifiers.IsTenantId(request.TenantId))
        {
            problems.Add(TenantIdProblem(request.TenantId, "tenant_id"));
        }

        if (!Identifiers.IsVirtualKeySlug(request.Slug))
        {
            problems.Add($"slug '{Echo(request.Slug)}' is invalid: use {Identifiers.VirtualKeySlugRule}.");
        }

        ThrowIfAny(problems);
    }

    private static void ValidateScope(RepeatedField<string> values, string field, List<string> problems)
    {
        if (values.Count > MaxScopeEntries)
        {
            problems.Add($"{field} has {values.Count} entries; at most {MaxScopeEntries} are allowed.");
            return;
        }

        foreach (var value in values)
        {
            if (string.IsNullOrWhiteSpace(value) || value.Length > MaxScopeEntryLength)
            {
                problems.Add($"{field} entries must be 1-{MaxScopeEntryLength} non-blank characters.");
                return;
            }
        }
    }

    private static string[] Distinct(RepeatedField<string> values) => [.. values.Distinct(StringComparer.Ordinal)];

    /// <summary>Validates the request and returns it as the store's input.</summary>
    public static NewVirtualKey Validate(CreateVirtualKeyRequest request)
    {
        List<string> problems = [];
        if (!Identifiers.IsTenantId(request.TenantId))
        {
            problems.Add(TenantIdProblem(request.TenantId, "tenant_id"));
        }

        if (!Identifiers.IsVirtualKeySlug(request.Slug))
        {
            problems.Add(request.Slug.Length == 0
                ? $"slug is required: {Identifiers.VirtualKeySlugRule}."
                : $"slug '{Echo(request.Slug)}' is invalid: use {Identifiers.VirtualKeySlugRule}.");
        }

        if (!Identifiers.IsProvider(request.Provider))
        {
            problems.Add(request.Provider.Length == 0
                ? $"provider is required (e.g. 'openai', 'anthropic', '{MockProvider}'): {Identifiers.ProviderRule}."
                : $"provider '{Echo(request.Provider)}' is invalid: use {Identifiers.ProviderRule}.");
        }

        if (string.IsNullOrWhiteSpace(request.Credential) && request.Provider != MockProvider)
        {
            problems.Add("credential is required (the provider's API key); only the 'mock' provider works without one.");
        }
        else if (request.Credential.Length > MaxCredentialLength)
        {
            problems.Add($"credential is longer than {MaxCredentialLength} characters.");
        }

        if (request.BaseUrl.Length > 0 && !IsHttpUrl(request.BaseUrl))
        {
            problems.Add($"base_url must be an absolute http:// or https:// URL of at most {MaxBaseUrlLength} characters, or empty for the provider's default.");
        }

        ValidateExtras(request.Extras, problems);
        ThrowIfAny(problems);

        return new NewVirtualKey(request.TenantId, request.Slug, request.Provider, request.Credential,
            request.BaseUrl.Length == 0 ? null : request.BaseUrl,
            new Dictionary<string, string>(request.Extras, StringComparer.Ordinal));
    }

    private static void ValidateExtras(MapField<string, string> extras, List<string> problems)
    {
        if (extras.Count > MaxExtras)
        {
            problems.Add($"extras has {extras.Count} entries; at most {MaxExtras} are allowed.");
            return;
        }

        foreach (var (key, value) in extras)
        {
            if (key.Length is 0 or > MaxExtraKeyLength)
            {
                problems.Add($"extras keys must be 1-{MaxExtraKeyLength} characters.");
            }
            else if (value.Length > MaxExtraValueLength)
            {
                problems.Add($"extras['{Echo(key)}'] is longer than {MaxExtraValueLength} characters.");
            }
        }
    }

    private static bool IsHttpUrl(string value) =>
        value.Length <= MaxBaseUrlLength
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.Host.Length > 0;

    private static string TenantIdProblem(string value, string field) => value.Length == 0
        ? $"{field} is required: {Identifiers.TenantIdRule}."
        : $"{field} '{Echo(value)}' is invalid: use {Identifiers.TenantIdRule}.";

    /// <summary>Quotes client input in a message without letting a huge value bloat it.</summary>
    private static string Echo(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "...");

    private static void ThrowIfAny(List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw Invalid(problems);
        }
    }

    private static RpcException Invalid(IEnumerable<string> problems) =>
        new(new Status(StatusCode.InvalidArgument, string.Join(" ", problems)));
}
