using Gateway.Contracts.KeyVault.V1;
using Gateway.KeyVault.ApiKeys;
using Gateway.KeyVault.Tenants;
using Gateway.KeyVault.VirtualKeys;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.KeyVault.Grpc;

/// <summary>Store records to contract messages.</summary>
internal static class ProtoMapping
{
    public static Tenant ToProto(this TenantRecord tenant) => new()
    {
        Id = tenant.Id,
        DisplayName = tenant.DisplayName,
        CreatedAt = Timestamp.FromDateTime(tenant.CreatedAt),
    };

    public static ApiKey ToProto(this ApiKeyRecord key) => new()
    {
        Id = key.Id.ToString(),
        TenantId = key.TenantId,
        Name = key.Name,
        Prefix = key.Prefix,
        CreatedAt = Timestamp.FromDateTime(key.CreatedAt),
        ExpiresAt = ToTimestamp(key.ExpiresAt),
        RevokedAt = ToTimestamp(key.RevokedAt),
        LastUsedAt = ToTimestamp(key.LastUsedAt),
        Scopes = key.Scopes.ToProto(),
    };

    public static ApiKeyScopes ToProto(this ApiKeyScopeSet scopes) => new()
    {
        Providers = { scopes.Providers },
        Models = { scopes.Models },
        ConfigIds = { scopes.ConfigIds },
    };

    private static Timestamp? ToTimestamp(DateTime? value) =>
        value is { } time ? Timestamp.FromDateTime(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null;

    public static VirtualKey ToProto(this VirtualKeyRecord key)
    {
        var message = new VirtualKey
        {
            Id = key.Id.ToString(),
            TenantId = key.TenantId,
            Slug = key.Slug,
            Provider = key.Provider,
            BaseUrl = key.BaseUrl ?? "",
            MasterKeyId = key.MasterKeyId,
            CreatedAt = Timestamp.FromDateTime(key.CreatedAt),
        };
        CopyExtras(key.Extras, message.Extras);
        return message;
    }

    public static ResolveVirtualKeyResponse ToProto(this ResolvedVirtualKey key)
    {
        var message = new ResolveVirtualKeyResponse
        {
            VirtualKeyId = key.Id.ToString(),
            Provider = key.Provider,
            Credential = key.Credential,
            BaseUrl = key.BaseUrl ?? "",
        };
        CopyExtras(key.Extras, message.Extras);
        return message;
    }

    private static void CopyExtras(IReadOnlyDictionary<string, string> extras, MapField<string, string> target)
    {
        foreach (var (name, value) in extras)
        {
            target[name] = value;
        }
    }
}
