using System.Text.Json;

namespace Gateway.Testing.Providers;

/// <summary>Text helpers the fake providers share when they build answers.</summary>
internal static class FakeText
{
    /// <summary>Splits keeping each word's trailing space, so the streamed pieces concatenate back to the answer.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ')
            {
                words.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            words.Add(text[start..]);
        }

        return words;
    }

    /// <summary>A JSON string literal.</summary>
    public static string Quote(string value) => JsonSerializer.Serialize(value);
}
