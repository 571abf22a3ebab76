using System.Text.Json;

namespace Gateway.Edge.Providers.Mock;

/// <summary>What the mock provider reads of a (validated) chat request: message count, characters of message
/// content, and the size of the last user message, which shapes the deterministic answer.</summary>
internal readonly record struct MockPrompt(int Messages, long ContentCharacters, int LastUserMessageWords)
{
    public static MockPrompt Read(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessages = reader.ValueTextEquals("messages"u8);
            reader.Read();
            if (isMessages && reader.TokenType == JsonTokenType.StartArray)
            {
                return ReadMessages(ref reader);
            }

            reader.Skip();
        }

        return default;
    }

    private static MockPrompt ReadMessages(ref Utf8JsonReader reader)
    {
        int messages = 0, lastUserWords = 0;
        long characters = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            messages++;
            var isUser = false;
            long messageCharacters = 0;
            var words = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("role"u8))
                {
                    reader.Read();
                    isUser = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("user"u8);
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    ReadContent(ref reader, ref messageCharacters, ref words);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            characters += messageCharacters;
            if (isUser)
            {
                lastUserWords = words;
            }
        }

        return new MockPrompt(messages, characters, lastUserWords);
    }

    /// <summary>Content is a string or an array of parts; only text parts count.</summary>
    private static void ReadContent(ref Utf8JsonReader reader, ref long characters, ref int words)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            Count(reader.GetString()!, ref characters, ref words);
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                if (isText && reader.TokenType == JsonTokenType.String)
                {
                    Count(reader.GetString()!, ref characters, ref words);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    private static void Count(string text, ref long characters, ref int words)
    {
        characters += text.Length;
        var inWord = false;
        foreach (var c in text)
        {
            var isSpace = char.IsWhiteSpace(c);
            if (!isSpace && !inWord)
            {
                words++;
            }

            inWord = !isSpace;
        }
    }
}
