extern alias edge;

using System.Text;
using edge::Gateway.Edge.Usage;

namespace Gateway.Edge.Tests.Usage;

public sealed class RequestTextTests
{
    [Fact]
    public void Chat_reads_string_contents_and_text_parts_but_not_images_or_other_fields()
    {
        var input = Extract("""
            {"model":"m","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":[{"type":"text","text":"What is \u0022this\u0022?"},
                                        {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},
              {"role":"assistant","content":null,"tool_calls":[]}],
             "temperature":0.2}
            """, RequestTextKind.Chat);

        Assert.Equal(("Be brief.\nWhat is \"this\"?", 0L), (input.Text, input.TokenIds));
    }

    [Theory]
    [InlineData("""{"model":"m","prompt":"Once upon"}""", "Once upon", 0)]
    [InlineData("""{"model":"m","prompt":["a","b"]}""", "a\nb", 0)]
    [InlineData("""{"model":"m","prompt":[1,2,3]}""", "", 3)]
    [InlineData("""{"model":"m","prompt":[[1,2],[3]]}""", "", 3)]
    public void Prompt_reads_strings_and_counts_token_ids(string body, string text, long ids)
    {
        var input = Extract(body, RequestTextKind.Prompt);

        Assert.Equal((text, ids), (input.Text, input.TokenIds));
    }

    [Fact]
    public void Embeddings_read_the_input()
    {
        var input = Extract("""{"input":["first","second"],"model":"text-embedding-3-small"}""", RequestTextKind.Input);

        Assert.Equal("first\nsecond", input.Text);
    }

    private static EstimationInput Extract(string body, RequestTextKind kind) => RequestText.Extract(Encoding.UTF8.GetBytes(body), kind);
}
