extern alias edge;

using edge::Gateway.Edge.Proxy;
using edge::Gateway.Edge.Usage;

namespace Gateway.Edge.Tests.Usage;

public sealed class TokenEstimatorTests
{
    private static readonly TokenEstimator Estimator = new();

    [Fact]
    public void Counts_with_o200k_base()
    {
        // Fixed by the o200k_base encoding: "Hello| from| the| fake| Open|AI| server|."
        Assert.Equal(8, Estimator.Count("Hello from the fake OpenAI server."));
        Assert.Equal(0, Estimator.Count(""));
    }

    [Fact]
    public void Estimates_input_from_text_and_token_ids_and_output_from_the_answer()
    {
        var answer = new AnswerCapture();
        answer.Append("Hello from the fake OpenAI server.");

        var usage = Estimator.Estimate(new EstimationInput("Hello from the fake OpenAI server.", TokenIds: 3), answer);

        Assert.Equal((11L, 0L, 0L, 8L, 0L), (usage.Input, usage.CachedInput, usage.CacheWrite, usage.Output, usage.Reasoning));
    }

    [Fact]
    public void A_long_answer_keeps_a_bounded_sample_and_scales_the_count_from_it()
    {
        var answer = new AnswerCapture();
        const string word = "hello ";
        var repeats = (AnswerCapture.MaxKeptChars / word.Length) * 4;
        for (var i = 0; i < repeats; i++)
        {
            answer.Append(word);
        }

        Assert.Equal(AnswerCapture.MaxKeptChars, answer.KeptText.Length);
        Assert.Equal((long)repeats * word.Length, answer.TotalChars);
        var sampleTokens = Estimator.Count(answer.KeptText);
        var output = Estimator.Estimate(new EstimationInput("", 0), answer).Output;
        // Scaled by total/kept (rounded up): about four times the sample.
        Assert.Equal((sampleTokens * answer.TotalChars + answer.KeptText.Length - 1) / answer.KeptText.Length, output);
        Assert.InRange(output, sampleTokens * 3, sampleTokens * 5);
    }
}
