using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Edge.Http;
using Gateway.ServiceDefaults.Buffers;

namespace Gateway.Edge.Caching;

/// <summary>The content part of a cache entry's key: lowercase hex SHA-256 over the provider, the model and the
/// request body in canonical form. Tenant and namespace are not hashed: the Cache service partitions by them.
/// <para>Canonical body: the JSON re-written compactly with every object's keys sorted (ordinal, recursively), without
/// the top-level fields that do not change the answer: <c>stream</c>, <c>stream_options</c> (so a streamed and a
/// non-streamed request share an entry), <c>user</c> and <c>metadata</c>. Everything else (messages, tools,
/// tool_choice, functions, sampling parameters, response_format, reasoning_effort, fields added later) is hashed, so an
/// unknown field can only cause a miss, never a wrong hit. Numbers are hashed as written (<c>1</c> and <c>1.0</c> differ:
/// a miss, not a wrong answer); strings are hashed unescaped, so escaping choices do not matter.</para></summary>
internal static class CacheKey
{
    /// <summary>Keys of the body's root object that are left out of the hash.</summary>
    private static readonly string[] Ignored = ["stream", "stream_options", "user", "metadata"];

    /// <summary>Null when the body is not a JSON object (the request scanner has refused it before this runs).</summary>
    /// <param name="body">The body as it goes upstream (after any config overrides); parsed in place, not copied.</param>
    public static string? Compute(string provider, string model, ReadOnlyMemory<byte> body)
    {
        using var canonical = new PooledBufferWriter(Math.Max(256, body.Length));
        if (!TryWriteCanonical(body, canonical, provider, model))
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(canonical.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The canonical body itself (for tests; never logged, it holds the prompt).</summary>
    public static string? Canonical(ReadOnlyMemory<byte> body)
    {
        using var canonical = new PooledBufferWriter();
        return TryWriteCanonical(body, canonical, provider: null, model: null)
            ? Encoding.UTF8.GetString(canonical.WrittenSpan)
            : null;
    }

    /// <summary>Writes <c>[provider, model, body]</c> (or only the body when both are null) canonically.</summary>
    private static bool TryWriteCanonical(ReadOnlyMemory<byte> body, IBufferWriter<byte> output, string? provider, string? model)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
            if (provider is not null && model is not null)
            {
                // The array keeps the parts apart: no provider/model spelling can imitate another's.
                writer.WriteStartArray();
                writer.WriteStringValue(provider);
                writer.WriteStringValue(model);
                WriteCanonical(writer, document.RootElement, isRoot: true);
                writer.WriteEndArray();
            }
            else
            {
                WriteCanonical(writer, document.RootElement, isRoot: true);
            }

            writer.Flush();
            return true;
        }
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element, bool isRoot)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, element, isRoot);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item, isRoot: false);
                }

                writer.WriteEndArray();
                break;
            default:
                // Strings are re-escaped by the writer (one spelling per string); numbers, true, false and null
                // are written as they came.
                element.WriteTo(writer);
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, JsonElement element, bool isRoot)
    {
        var count = 0;
        foreach (var _ in element.EnumerateObject())
        {
            count++;
        }

        var properties = ArrayPool<NamedProperty>.Shared.Rent(Math.Max(count, 1));
        try
        {
            var kept = 0;
            var escaped = false;
            foreach (var property in element.EnumerateObject())
            {
                if (isRoot && IsIgnored(property))
                {
                    continue;
                }

                escaped |= JsonMarshal.GetRawUtf8PropertyName(property).Contains((byte)'\\');
                properties[kept] = new NamedProperty(property, kept);
                kept++;
            }

            var span = properties.AsSpan(0, kept);
            // Raw names compare byte by byte without allocating; a name written with escapes must be compared
            // unescaped, which needs its string (rare: only then are the names materialised).
            if (escaped)
            {
                span.Sort(static (a, b) => CompareTieBroken(string.CompareOrdinal(a.Property.Name, b.Property.Name), a, b));
            }
            else
            {
                span.Sort(static (a, b) => CompareTieBroken(
                    JsonMarshal.GetRawUtf8PropertyName(a.Property).SequenceCompareTo(JsonMarshal.GetRawUtf8PropertyName(b.Property)), a, b));
            }

            writer.WriteStartObject();
            foreach (var (property, _) in span)
            {
                if (escaped)
                {
                    writer.WritePropertyName(property.Name);
                }
                else
                {
                    writer.WritePropertyName(JsonMarshal.GetRawUtf8PropertyName(property));
                }

                WriteCanonical(writer, property.Value, isRoot: false);
            }

            writer.WriteEndObject();
        }
        finally
        {
            ArrayPool<NamedProperty>.Shared.Return(properties, clearArray: true);
        }
    }

    private static bool IsIgnored(JsonProperty property)
    {
        foreach (var name in Ignored)
        {
            if (property.NameEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Duplicate names keep their order of appearance, so the sort is deterministic.</summary>
    private static int CompareTieBroken(int byName, NamedProperty a, NamedProperty b) =>
        byName != 0 ? byName : a.Order.CompareTo(b.Order);

    private readonly record struct NamedProperty(JsonProperty Property, int Order);
}
