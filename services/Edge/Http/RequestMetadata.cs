using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Http;

/// <summary>The requester and metadata of a request, from every header that carries them:
/// <c>x-gateway-metadata</c>/<c>x-portkey-metadata</c> (a JSON object of string values) first, then
/// <c>x-gateway-meta-&lt;key&gt;</c> and <c>X-LLMGateway-&lt;Key&gt;</c> headers, which override a JSON entry of the same
/// key. The requester is <c>x-gateway-user</c>, else <c>x-metrion-user</c>, else <c>X-LLMGateway-User-ID</c>, else the
/// metadata entry <c>_user</c> (which also stays in the metadata).</summary>
internal sealed record RequestMetadata(string User, IReadOnlyDictionary<string, string> Values)
{
    public const string UserKey = "_user";

    public static readonly RequestMetadata Empty = new("", new Dictionary<string, string>());

    public static Outcome<RequestMetadata> Read(IHeaderDictionary headers)
    {
        Dictionary<string, string>? values = null;
        if (GatewayHeaders.First(headers, GatewayHeaders.Metadata, GatewayHeaders.PortkeyMetadata) is { } json)
        {
            var header = GatewayHeaders.NameOfFirst(headers, GatewayHeaders.Metadata, GatewayHeaders.PortkeyMetadata);
            values = new Dictionary<string, string>(StringComparer.Ordinal);
            if ((HeaderLimits.Bounded(header, json) ?? ReadJson(header, json, values)) is { } jsonError)
            {
                return jsonError;
            }
        }

        foreach (var (name, headerValues) in headers)
        {
            string key;
            if (name.StartsWith(GatewayHeaders.MetaPrefix, StringComparison.OrdinalIgnoreCase))
            {
                key = name[GatewayHeaders.MetaPrefix.Length..];
            }
            else if (name.StartsWith(GatewayHeaders.LlmGatewayPrefix, StringComparison.OrdinalIgnoreCase)
                     && !name.Equals(GatewayHeaders.LlmGatewayUserId, StringComparison.OrdinalIgnoreCase))
            {
                key = name[GatewayHeaders.LlmGatewayPrefix.Length..];
            }
            else
            {
                continue;
            }

            // Header names arrive in whatever case the client (or HTTP/2) used; keys from headers are lowercase.
            values ??= new Dictionary<string, string>(StringComparer.Ordinal);
            if (Add(values, key.ToLowerInvariant(), headerValues.ToString(), name) is { } headerError)
            {
                return headerError;
            }
        }

        var user = FirstUser(headers, out var userHeader);
        if (user is null && values is not null && values.TryGetValue(UserKey, out var metadataUser))
        {
            (user, userHeader) = (metadataUser.Trim(), "metadata '_user'");
        }

        if (user is { Length: > HeaderLimits.MaxUserLength })
        {
            return GatewayError.MetadataLimit($"The requester in {userHeader} is longer than the limit of {HeaderLimits.MaxUserLength} characters.");
        }

        return values is null && user is null ? Empty : new RequestMetadata(user ?? "", values ?? Empty.Values);
    }

    private static string? FirstUser(IHeaderDictionary headers, out string header)
    {
        foreach (var name in (ReadOnlySpan<string>)[GatewayHeaders.User, GatewayHeaders.MetrionUser, GatewayHeaders.LlmGatewayUserId])
        {
            var value = headers[name].ToString().Trim();
            if (value.Length > 0)
            {
                header = "'" + name + "'";
                return value;
            }
        }

        header = "";
        return null;
    }

    private static GatewayError? ReadJson(string header, string json, Dictionary<string, string> values)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, buffer);
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length), new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return GatewayError.InvalidMetadata(header, "must be a JSON object of string values, e.g. {\"team\":\"search\"}");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return GatewayError.InvalidMetadata(header, $"must have string values; '{Shorten(key)}' is not a string");
                }

                if (Add(values, key, reader.GetString()!, header) is { } error)
                {
                    return error;
                }
            }

            // Anything after the object (a second value, garbage) makes the reader throw here.
            while (reader.Read())
            {
            }

            return null;
        }
        catch (JsonException)
        {
            return GatewayError.InvalidMetadata(header, "is not valid JSON; send a JSON object of string values, e.g. {\"team\":\"search\"}");
        }
        catch (InvalidOperationException)
        {
            // GetString on an escaped lone surrogate ("\ud800"): no text to store.
            return GatewayError.InvalidMetadata(header, "has a string that is not valid Unicode");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static GatewayError? Add(Dictionary<string, string> values, string key, string value, string header)
    {
        if (key.Length is 0 or > HeaderLimits.MaxMetadataKeyLength)
        {
            return GatewayError.MetadataLimit(
                $"Metadata key '{Shorten(key)}' from '{header}' must be 1 to {HeaderLimits.MaxMetadataKeyLength} characters.");
        }

        if (value.Length > HeaderLimits.MaxMetadataValueLength)
        {
            return GatewayError.MetadataLimit(
                $"Metadata value of '{key}' from '{header}' is longer than the limit of {HeaderLimits.MaxMetadataValueLength} characters.");
        }

        if (!values.ContainsKey(key) && values.Count == HeaderLimits.MaxMetadataKeys)
        {
            return GatewayError.MetadataLimit($"A request may carry at most {HeaderLimits.MaxMetadataKeys} metadata keys.");
        }

        values[key] = value;
        return null;
    }

    private static string Shorten(string key) => key.Length <= HeaderLimits.MaxMetadataKeyLength ? key : key[..HeaderLimits.MaxMetadataKeyLength] + "...";
}
