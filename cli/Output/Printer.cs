using Google.Protobuf;

namespace Gateway.Cli.Output;

/// <summary>Writes results as a human table or, with --json, as protobuf JSON for scripts.</summary>
internal sealed class Printer(bool json, TextWriter output)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public bool Json => json;

    public void Write(IMessage message, Func<string> humanText) =>
        output.WriteLine(json ? Formatter.Format(message) : humanText());

    public void Line(string text) => output.WriteLine(text);
}
