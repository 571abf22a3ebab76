extern alias edge;

using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.Routing;

namespace Gateway.Edge.Tests.Routing;

public sealed class BodyOverridesTests
{
    [Fact]
    public void Replaces_top_level_fields_in_place_and_appends_new_ones()
    {
        using var overrides = JsonDocument.Parse("""{"model":"gpt-4o","max_tokens":5}""");
        var list = overrides.RootElement.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value)).ToList();

        var result = BodyOverrides.Apply("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi \u00e9"}],"stream":true}"""u8, list);

        Assert.Equal("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi \u00e9"}],"stream":true,"max_tokens":5}""",
            Encoding.UTF8.GetString(result));
    }

    [Fact]
    public void Max_output_tokens_reads_either_field()
    {
        Assert.Equal(50, MaxOutputTokens.Read("""{"messages":[{"max_tokens":1}],"max_completion_tokens":50}"""u8));
        Assert.Equal(7, MaxOutputTokens.Read("""{"max_tokens":7}"""u8));
        Assert.Null(MaxOutputTokens.Read("""{"model":"x"}"""u8));
        Assert.Null(MaxOutputTokens.Read("not json"u8));
    }
}
