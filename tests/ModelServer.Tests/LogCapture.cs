using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>One log line as the server wrote it.</summary>
public sealed record CapturedLog(LogLevel Level, string Category, string Message, Exception? Exception);

/// <summary>Keeps every log line in memory, so that tests can read what an operator would see.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _lines = new();

    public IReadOnlyList<CapturedLog> Lines => [.. _lines];

    public IEnumerable<CapturedLog> AtLeast(LogLevel level) => Lines.Where(line => line.Level >= level);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new CapturedLog(logLevel, category, formatter(state, exception), exception));
    }
}
