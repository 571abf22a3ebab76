using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace Gateway.Config.Changes;

/// <summary>A change as sent through PostgreSQL NOTIFY. Sent inside the writing transaction, so listeners hear of a
/// change only once it is committed and visible to their reads.</summary>
internal sealed record ChangeNotification(
    [property: JsonPropertyName("k")] ChangeKind Kind,
    [property: JsonPropertyName("t")] string TenantId,
    [property: JsonPropertyName("i")] string Id,
    [property: JsonPropertyName("v")] string Version)
{
    public const string Channel = "gateway_config_changes";

    public const string NotifySql = $"SELECT pg_notify('{Channel}', $1)";

    public string ToPayload() => JsonSerializer.Serialize(this, ChangeJsonContext.Default.ChangeNotification);

    public static ChangeNotification? FromPayload(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, ChangeJsonContext.Default.ChangeNotification);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public NpgsqlBatchCommand ToBatchCommand()
    {
        var command = new NpgsqlBatchCommand(NotifySql);
        command.Parameters.Add(new NpgsqlParameter { Value = ToPayload() });
        return command;
    }

    public NpgsqlCommand ToCommand(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var command = new NpgsqlCommand(NotifySql, connection, transaction);
        command.Parameters.AddWithValue(ToPayload());
        return command;
    }
}

internal enum ChangeKind
{
    Config = 1,
    Prices = 2,
    Policy = 3,
}

[JsonSerializable(typeof(ChangeNotification))]
internal sealed partial class ChangeJsonContext : JsonSerializerContext;
