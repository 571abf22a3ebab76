extern alias edge;

using System.Text;
using edge::Gateway.Edge.Caching;

namespace Gateway.Edge.Tests.Caching;

public sealed class CacheKeyTests
{
    private const string Base = """
        {"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],
         "temperature":0.2,"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}
        """;

    [Fact]
    public void Key_is_lowercase_hex_sha256()
    {
        var key = Key(Base);

        Assert.Equal(64, key.Length);
        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    [Fact]
    public void Key_order_and_whitespace_do_not_matter_at_any_depth()
    {
        const string Reordered = """
            {  "tools" : [ {"function":{"parameters":{"properties":{"city":{"type":"string"}},"type":"object"},"name":"get_weather"},"type":"function"} ],
               "temperature":0.2,
               "messages":[{"content":"Be brief.","role":"system"},{"content":"Hi","role":"user"}],
               "model":"gpt-4o-mini" }
            """;

        Assert.Equal(Key(Base), Key(Reordered));
    }

    [Fact]
    public void Streaming_and_non_streaming_requests_share_the_key()
    {
        var streaming = Base.Replace("\"model\"", "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\"", StringComparison.Ordinal);
        var explicitFalse = Base.Replace("\"model\"", "\"stream\":false,\"model\"", StringComparison.Ordinal);

        Assert.Equal(Key(Base), Key(streaming));
        Assert.Equal(Key(Base), Key(explicitFalse));
    }

    [Fact]
    public void User_and_metadata_do_not_matter()
    {
        var tagged = Base.Replace("\"model\"", "\"user\":\"alice\",\"metadata\":{\"run\":\"42\"},\"model\"", StringComparison.Ordinal);

        Assert.Equal(Key(Base), Key(tagged));
    }

    [Fact]
    public void String_escapes_do_not_matter()
    {
        Assert.Equal(Key(Base), Key(Base.Replace("\"Hi\"", "\"\\u0048i\"", StringComparison.Ordinal)));
        Assert.Equal(Key(Base), Key(Base.Replace("\"temperature\"", "\"\\u0074emperature\"", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("\"temperature\":0.2", "\"temperature\":0.3")]
    [InlineData("\"content\":\"Hi\"", "\"content\":\"Hello\"")]
    [InlineData("\"role\":\"system\"", "\"role\":\"developer\"")]
    [InlineData("get_weather", "get_time")]
    [InlineData("\"temperature\":0.2", "\"temperature\":0.2,\"seed\":7")]
    [InlineData("\"temperature\":0.2", "\"temperature\":0.2,\"response_format\":{\"type\":\"json_object\"}")]
    [InlineData("\"temperature\":0.2", "\"temperature\":0.2,\"tool_choice\":\"required\"")]
    [InlineData("\"temperature\":0.2", "\"temperature\":0.2,\"max_tokens\":5")]
    [InlineData("\"temperature\":0.2", "\"temperature\":0.2,\"reasoning_effort\":\"low\"")]
    [InlineData("\"gpt-4o-mini\"", "\"gpt-4o\"")]
    public void Content_that_changes_the_answer_changes_the_key(string from, string to)
    {
        Assert.NotEqual(Key(Base), Key(Base.Replace(from, to, StringComparison.Ordinal)));
    }

    [Fact]
    public void Metadata_inside_a_tool_schema_is_content()
    {
        var withNested = Base.Replace("\"type\":\"object\"", "\"type\":\"object\",\"metadata\":{\"x\":1}", StringComparison.Ordinal);

        Assert.NotEqual(Key(Base), Key(withNested));
    }

    [Fact]
    public void Message_order_matters()
    {
        var swapped = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"},{"role":"system","content":"Be brief."}]}""";
        var original = """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}""";

        Assert.NotEqual(Key(original), Key(swapped));
    }

    [Fact]
    public void Provider_is_part_of_the_key()
    {
        var body = Encoding.UTF8.GetBytes(Base);

        Assert.NotEqual(CacheKey.Compute("openai", "gpt-4o-mini", body), CacheKey.Compute("azure-openai", "gpt-4o-mini", body));
        Assert.NotEqual(CacheKey.Compute("openai", "gpt-4o-mini", body), CacheKey.Compute("openai", "gpt-4o", body));
    }

    [Fact]
    public void Canonical_form_sorts_keys_and_drops_transport_fields()
    {
        var canonical = CacheKey.Canonical(Encoding.UTF8.GetBytes("""{"stream":true,"b":{"z":1,"a":[{"y":2,"x":"\u00e9"}]},"a":null,"user":"u"}"""));

        Assert.Equal("""{"a":null,"b":{"a":[{"x":"\u00E9","y":2}],"z":1}}""", canonical);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    [InlineData("")]
    public void Non_object_bodies_have_no_key(string body)
    {
        Assert.Null(CacheKey.Compute("openai", "m", Encoding.UTF8.GetBytes(body)));
    }

    private static string Key(string body) => CacheKey.Compute("openai", "gpt-4o-mini", Encoding.UTF8.GetBytes(body))!;
}
