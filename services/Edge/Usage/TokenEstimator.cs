using Gateway.Edge.Pricing;
using Gateway.Edge.Proxy;
using Microsoft.ML.Tokenizers;

namespace Gateway.Edge.Usage;

/// <summary>Counts tokens with OpenAI's <c>o200k_base</c> encoding when a provider reports no usage (a stream cut
/// off before its usage chunk, an OpenAI-compatible server that sends none). It is an estimate for every other
/// model family, and the usage event says so. The encoding's tables take a moment to load, so they are loaded once,
/// in the background at start-up (<see cref="TokenEstimatorWarmup"/>), not on a request.</summary>
internal sealed class TokenEstimator
{
    public const string Encoding = "o200k_base";

    private readonly Lazy<Tokenizer> _tokenizer = new(static () => TiktokenTokenizer.CreateForEncoding(Encoding),
        LazyThreadSafetyMode.ExecutionAndPublication);

    public void Warm() => _ = _tokenizer.Value;

    public int Count(string text) => text.Length == 0 ? 0 : _tokenizer.Value.CountTokens(text);

    /// <summary>Input from the request's text (plus token ids sent as numbers); output from the answer text the relay
    /// saw, scaled up from its kept sample when the answer was longer than <see cref="AnswerCapture.MaxKeptChars"/>.</summary>
    public TokenUsage Estimate(EstimationInput input, AnswerCapture answer)
    {
        var kept = answer.KeptText;
        long output = Count(kept);
        if (answer.TotalChars > kept.Length && kept.Length > 0)
        {
            output = (output * answer.TotalChars + kept.Length - 1) / kept.Length;
        }

        return new TokenUsage(Count(input.Text) + input.TokenIds, 0, 0, output, 0);
    }
}
