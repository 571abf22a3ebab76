using System.Text.Json;
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
}
