extern alias edge;

using System.Text;
using edge::Gateway.Edge.Caching;
using edge::Gateway.Edge.Pricing;

namespace Gateway.Edge.Tests.Caching;

public sealed class StoredAnswerTests
{
    [Fact]
    public void Encode_then_decode_keeps_every_field_and_the_completion_bytes()
    {
        var completion = Encoding.UTF8.GetBytes(ChatChunks.TextCompletion);
        var storedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        var answer = new StoredAnswer("openai", "gpt-4o-mini-2024-07-18", new TokenUsage(800, 200, 5, 500, 120), storedAt, completion);

        var decoded = StoredAnswer.TryDecode(answer.Encode());

        Assert.NotNull(decoded);
        Assert.Equal("openai", decoded.Provider);
        Assert.Equal("gpt-4o-mini-2024-07-18", decoded.ServedModel);
        Assert.Equal(new TokenUsage(800, 200, 5, 500, 120), decoded.Usage);
        Assert.Equal(storedAt, decoded.StoredAt);
        Assert.Equal(completion, decoded.Completion.ToArray());
    }

    [Fact]
    public void The_value_starts_with_the_format_version()
    {
        var value = new StoredAnswer("p", "m", default, DateTimeOffset.UnixEpoch, "{}"u8.ToArray()).Encode();

        Assert.Equal(StoredAnswer.FormatVersion, value[0]);
        Assert.EndsWith("{}", Encoding.UTF8.GetString(value), StringComparison.Ordinal);
    }

    [Fact]
    public void Another_version_or_a_damaged_value_reads_as_nothing()
    {
        var value = new StoredAnswer("p", "m", default, DateTimeOffset.UnixEpoch, "{}"u8.ToArray()).Encode();
        var otherVersion = (byte[])value.Clone();
        otherVersion[0] = 2;
        var badLength = (byte[])value.Clone();
        badLength[1] = 0xFF;

        Assert.Null(StoredAnswer.TryDecode(otherVersion));
        Assert.Null(StoredAnswer.TryDecode(badLength));
        Assert.Null(StoredAnswer.TryDecode(value.AsMemory(0, 3)));
        Assert.Null(StoredAnswer.TryDecode(value.AsMemory(0, value.Length - 2)));
        Assert.Null(StoredAnswer.TryDecode(Encoding.UTF8.GetBytes("{\"plain\":\"json\"}")));
    }
}
