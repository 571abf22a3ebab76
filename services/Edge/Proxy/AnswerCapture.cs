using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Edge.Proxy;

/// <summary>What the relay learns from an answer besides its usage: the model that actually served it (Azure
/// clients send a deployment name as <c>model</c>; routers answer with a dated snapshot) and, for token estimation
/// when the provider reports no usage, the answer's text. The text is kept only up to <see cref="MaxKeptChars"/>;
/// beyond that only its length is counted and the estimate is scaled from the kept sample, so a long stream costs
/// bounded memory.</summary>
internal sealed class AnswerCapture
{
    public const int MaxKeptChars = 16 * 1024;

    private StringBuilder? _text;

    /// <summary>The first <c>model</c> the provider named; empty when it named none.</summary>
    public string ServedModel { get; private set; } = "";

    /// <summary>Characters of answer text seen, kept or not.</summary>
    public long TotalChars { get; private set; }

    /// <summary>The kept sample (the answer's beginning), empty when there was no text.</summary>
    public string KeptText => _text?.ToString() ?? "";

    public bool WantsModel => ServedModel.Length == 0;

    /// <summary>False while a relay reads an answer whose text it can read again if it turns out to be needed (see
    /// <see cref="ResponseRelay.RelayBufferedAsync"/>): text is then neither counted nor kept.</summary>
    public bool KeepsText { get; set; } = true;

    public void SetServedModel(string model)
    {
        if (ServedModel.Length == 0)
        {
            ServedModel = model;
        }
    }

    /// <summary>Appends the string the reader is on (unescaped, without allocating a string).</summary>
    public void AppendString(ref Utf8JsonReader reader)
    {
        if (!KeepsText || reader.TokenType != JsonTokenType.String)
        {
            return;
        }

        var maxChars = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (maxChars == 0)
        {
            return;
        }

        if (maxChars <= 256)
        {
            Span<char> small = stackalloc char[maxChars];
            Append(small[..reader.CopyString(small)]);
            return;
        }

        var rented = ArrayPool<char>.Shared.Rent(maxChars);
        try
        {
            Append(rented.AsSpan(0, reader.CopyString(rented)));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    public void Append(ReadOnlySpan<char> text)
    {
        if (!KeepsText)
        {
            return;
        }

        TotalChars += text.Length;
        var room = MaxKeptChars - (_text?.Length ?? 0);
        if (room <= 0 || text.IsEmpty)
        {
            return;
        }

        _text ??= new StringBuilder(Math.Min(text.Length * 8, MaxKeptChars));
        _text.Append(text.Length <= room ? text : text[..room]);
    }
}
