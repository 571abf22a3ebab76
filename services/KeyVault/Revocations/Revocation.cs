using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace Gateway.KeyVault.Revocations;

/// <summary>A revocation as sent through PostgreSQL NOTIFY inside the revoking transaction, so listeners hear of it
/// only once it is committed.</summary>
internal sealed record Revocation(
    [property: JsonPropertyName("k")] RevocationTarget Kind,
    [property: JsonPropertyName("t")] string TenantId,
    [property: JsonPropertyName("i")] string Id)
{
    public const string Channel = "gateway_keyvault_revocations";

    public string ToPayload() => JsonSerializer.Serialize(this, RevocationJsonContext.Default.Revocation);

    public static Revocation? FromPayload(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, RevocationJsonContext.Default.Revocation);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_notify('{Channel}', $1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ToPayload() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

internal enum RevocationTarget
{
    ApiKey = 1,
    VirtualKey = 2,
}

[JsonSerializable(typeof(Revocation))]
internal sealed partial class RevocationJsonContext : JsonSerializerContext;
