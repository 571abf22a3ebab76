using Gateway.Edge.Pricing;
using Gateway.Edge.Proxy;
using Microsoft.ML.Tokenizers;

namespace Gateway.Edge.Usage;

/// <summary>Counts tokens with OpenAI's <c>o200k_base</c> encoding when a provider reports no usage (a stream cut
/// off before its usage chunk, an OpenAI-compatible server that sends none). It is an estimate for every other
/// model family, and the usage event says so. The encoding's tables take a moment to load (1-4 s here) and hold ~40 MB
/// of managed heap (~60 MB of RSS, measured), which most Edges never need while their providers report usage: they
/// are loaded on a thread-pool thread the first time an estimate is wanted (<see cref="LoadAsync"/>, awaited after
/// that response is complete, so no client waits for it), or at start-up with <c>Edge:PreloadTokenEstimator</c>
/// (<see cref="TokenEstimatorWarmup"/>).</summary>
internal sealed class TokenEstimator
{
    public const string Encoding = "o200k_base";

    private readonly Lazy<Task<Tokenizer>> _tokenizer = new(
        static () => Task.Run(static Tokenizer () => TiktokenTokenizer.CreateForEncoding(Encoding)),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Starts loading the tables (once) and completes when they are loaded; faults if they cannot be.</summary>
    public Task LoadAsync() => _tokenizer.Value;

    /// <summary>Blocks until the tables are loaded if <see cref="LoadAsync"/> has not completed yet.</summary>
    public int Count(string text) => text.Length == 0 ? 0 : _tokenizer.Value.GetAwaiter().GetResult().CountTokens(text);

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
