using System.Text.Json;
using System.Text.Unicode;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Pipeline;

/// <summary>The shared frame of every request-body scanner: the body must be one JSON object (depth ≤ 64), and an
/// empty body, malformed JSON or invalid UTF-8 all become the same 400 <c>invalid_json</c> answers.</summary>
internal static class JsonBodyScan
{
    public delegate Outcome<T> ObjectScanner<T>(ReadOnlySpan<byte> body, ref Utf8JsonReader reader)
        where T : class;

    public delegate Outcome<T> ObjectScanner<T, in TState>(ReadOnlySpan<byte> body, ref Utf8JsonReader reader, TState state)
        where T : class;

    /// <param name="expected">What the client should send, for the empty-body message ("a JSON Messages API request").</param>
    /// <param name="scanObject">Reads the object's properties; the reader stands on its StartObject token.</param>
    public static Outcome<T> Run<T>(ReadOnlySpan<byte> body, string expected, ObjectScanner<T> scanObject)
        where T : class =>
        Run(body, expected, scanObject,
            static (ReadOnlySpan<byte> b, ref Utf8JsonReader r, ObjectScanner<T> scan) => scan(b, ref r));

    public static Outcome<T> Run<T, TState>(ReadOnlySpan<byte> body, string expected, TState state,
        ObjectScanner<T, TState> scanObject)
        where T : class
    {
        if (body.IsEmpty)
        {
            return GatewayError.InvalidBody("invalid_json", $"The request body is empty; send {expected}.");
        }

        // The scanners skip most strings unread, but later stages (translation, token estimates) read them all: text
        // that is not Unicode must fail here as the client's mistake, not there as the gateway's.
        if (!Utf8.IsValid(body) || HasLoneSurrogateEscape(body))
        {
            return GatewayError.InvalidBody("invalid_json", "The request body contains text that is not valid UTF-8.");
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return GatewayError.InvalidBody("invalid_json", "The request body must be a JSON object.");
            }

            return scanObject(body, ref reader, state);
        }
        catch (JsonException ex)
        {
            return GatewayError.InvalidBody("invalid_json", $"The request body is not valid JSON: {ex.Message}");
        }
        catch (InvalidOperationException)
        {
            // GetString on a string that is not valid UTF-8.
            return GatewayError.InvalidBody("invalid_json", "The request body contains a string that is not valid UTF-8.");
        }
    }

    /// <summary>Whether a string escapes half of a surrogate pair on its own (<c>"\ud800"</c>), which no reader can
    /// turn into text. Only bodies with a surrogate escape at all pay for reading their escaped strings.</summary>
    private static bool HasLoneSurrogateEscape(ReadOnlySpan<byte> body)
    {
        if (!MayEscapeSurrogate(body))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    reader.GetString();
                }
            }

            return false;
        }
        catch (JsonException)
        {
            // Malformed JSON: the scan itself reports it.
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>A <c>\uD800</c>-<c>\uDFFF</c> escape anywhere in the body.</summary>
    private static bool MayEscapeSurrogate(ReadOnlySpan<byte> body)
    {
        var index = body.IndexOf("\\u"u8);
        while (index >= 0)
        {
            var rest = body[(index + 2)..];
            if (rest.Length >= 2 && rest[0] is (byte)'d' or (byte)'D'
                && rest[1] is (>= (byte)'8' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F'))
            {
                return true;
            }

            var next = rest.IndexOf("\\u"u8);
            index = next < 0 ? -1 : index + 2 + next;
        }

        return false;
    }
}
