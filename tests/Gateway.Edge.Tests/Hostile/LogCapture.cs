using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gateway.Edge.Tests.Hostile;

/// <summary>An <see cref="ILoggerProvider"/> for the hostile Edge that checks every entry as it is written (message,
/// structured values, exception) against strings that must never be logged. It keeps only the offending entries
/// and a count, so thousands of requests cost no memory here (the suite also bounds the process's memory).</summary>
internal sealed class LogCapture(IReadOnlyList<string> forbidden) : ILoggerProvider
{
    private const int MaxKeptLeaks = 20;

    private readonly ConcurrentQueue<string> _leaks = new();
    private long _entries;
    private long _unexpectedErrors;

    /// <summary>Entries that contained a forbidden string (category, level and the first part of the text).</summary>
    public IReadOnlyList<string> Leaks => [.. _leaks];

    public long Entries => Interlocked.Read(ref _entries);

    /// <summary>Error-level entries from the gateway's own code (an unexpected failure is logged there).</summary>
    public long UnexpectedErrors => Interlocked.Read(ref _unexpectedErrors);

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Check(string category, LogLevel level, string text)
    {
        Interlocked.Increment(ref _entries);
        if (level >= LogLevel.Error && category.StartsWith("Gateway.", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _unexpectedErrors);
        }

        foreach (var secret in forbidden)
        {
            if (text.Contains(secret, StringComparison.Ordinal) && _leaks.Count < MaxKeptLeaks)
            {
                _leaks.Enqueue($"{level} {category}: {text[..Math.Min(text.Length, 400)]}");
            }
        }
    }

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.Check(category, LogLevel.Trace, state.ToString() ?? "");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = formatter(state, exception);
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                // Structured values reach exporters (OTLP) even when the message template does not print them.
                text += " | " + string.Join(" | ", values.Select(pair => pair.Key + "=" + pair.Value));
            }

            if (exception is not null)
            {
                text += " | " + exception;
            }

            owner.Check(category, logLevel, text);
        }
    }
}
