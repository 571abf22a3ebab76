using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Gateway.Edge.Errors;
using Gateway.Edge.Providers;
using Gateway.Edge.Providers.Mock;

namespace Gateway.Edge.Embeddings;

/// <summary>The mock provider's embeddings: per input a small unit vector derived from a hash of the input (same
/// input, same vector), in OpenAI's list format with usage, as floats or, for <c>encoding_format: base64</c> (what
/// the official SDKs ask for), little-endian float32 bytes in base64.</summary>
internal static class MockEmbeddings
{
    public const int DefaultDimensions = 8;
    public const int MaxDimensions = 3072;

    public static Outcome<UpstreamResponse> Create(ReadOnlySpan<byte> body, string model)
    {
        EmbeddingInput input;
        try
        {
            input = EmbeddingInput.Read(body);
        }
        catch (JsonException)
        {
            input = EmbeddingInput.Invalid;
        }

        if (input.Items.Count == 0)
        {
            return GatewayError.InvalidBody("invalid_input",
                "'input' must be a non-empty string, an array of strings, an array of token ids or an array of such arrays.");
        }

        if (input.Dimensions is < 1 or > MaxDimensions)
        {
            return GatewayError.InvalidBody("invalid_dimensions", $"'dimensions' must be between 1 and {MaxDimensions}.");
        }

        var output = new ArrayBufferWriter<byte>(1024);
        var vector = new float[input.Dimensions];
        var bytes = input.Base64 ? new byte[input.Dimensions * sizeof(float)] : [];
        long tokens = 0;
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            for (var i = 0; i < input.Items.Count; i++)
            {
                var (item, itemTokens) = input.Items[i];
                tokens += itemTokens;
                Fill(vector, item);
                json.WriteStartObject();
                json.WriteString("object", "embedding");
                json.WriteNumber("index", i);
                if (input.Base64)
                {
                    for (var d = 0; d < vector.Length; d++)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(d * sizeof(float)), vector[d]);
                    }

                    json.WriteBase64String("embedding", bytes);
                }
                else
                {
                    json.WriteStartArray("embedding");
                    foreach (var value in vector)
                    {
                        json.WriteNumberValue(value);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("model", model);
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", tokens);
            json.WriteNumber("total_tokens", tokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return new UpstreamResponse(StatusCodes.Status200OK, "application/json", new MemoryStream(output.WrittenMemory.ToArray(), writable: false), MockProvider.ProviderName);
    }

    /// <summary>A unit vector from the input's hash: each component from a SplitMix64 step, so dimensions are
    /// uncorrelated and the result is identical on every run and machine.</summary>
    private static void Fill(float[] vector, byte[] item)
    {
        var state = Fnv1a(item);
        double sumOfSquares = 0;
        for (var d = 0; d < vector.Length; d++)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            var component = (z >> 11) * (1.0 / (1UL << 53)) * 2 - 1;
            vector[d] = (float)component;
            sumOfSquares += component * component;
        }

        var norm = (float)Math.Sqrt(sumOfSquares);
        for (var d = 0; d < vector.Length && norm > 0; d++)
        {
            vector[d] /= norm;
        }
    }

    private static ulong Fnv1a(byte[] bytes)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 0x100000001B3UL;
        }

        return hash;
    }

    /// <summary>The inputs (as bytes to hash, with their token count), dimensions and encoding of a request.</summary>
    private sealed record EmbeddingInput(List<(byte[] Item, long Tokens)> Items, int Dimensions, bool Base64)
    {
        public static EmbeddingInput Invalid { get; } = new([], DefaultDimensions, false);

        public static EmbeddingInput Read(ReadOnlySpan<byte> body)
        {
            var reader = new Utf8JsonReader(body);
            reader.Read();
            var items = new List<(byte[], long)>();
            var dimensions = DefaultDimensions;
            var base64 = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("input"u8))
                {
                    reader.Read();
                    if (!ReadInput(ref reader, items))
                    {
                        return Invalid;
                    }
                }
                else if (reader.ValueTextEquals("dimensions"u8))
                {
                    reader.Read();
                    dimensions = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : -1;
                }
                else if (reader.ValueTextEquals("encoding_format"u8))
                {
                    reader.Read();
                    base64 = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("base64"u8);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return new EmbeddingInput(items, dimensions, base64);
        }

        private static bool ReadInput(ref Utf8JsonReader reader, List<(byte[], long)> items)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                items.Add(Text(ref reader));
                return true;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            var tokenIds = new List<long>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        items.Add(Text(ref reader));
                        break;
                    case JsonTokenType.Number:
                        // One input given as token ids.
                        tokenIds.Add(reader.GetInt64());
                        break;
                    case JsonTokenType.StartArray:
                        var ids = new List<long>();
                        while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                        {
                            ids.Add(reader.GetInt64());
                        }

                        items.Add(Tokens(ids));
                        break;
                    default:
                        return false;
                }
            }

            if (tokenIds.Count > 0)
            {
                items.Add(Tokens(tokenIds));
            }

            return true;
        }

        private static (byte[], long) Text(ref Utf8JsonReader reader)
        {
            var text = reader.GetString()!;
            return (Encoding.UTF8.GetBytes(text), Math.Max(MockCompletion.EstimateTokens(text.Length), 1));
        }

        private static (byte[], long) Tokens(List<long> ids)
        {
            var bytes = new byte[ids.Count * sizeof(long)];
            for (var i = 0; i < ids.Count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), ids[i]);
            }

            return (bytes, ids.Count);
        }
    }
}
