namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>A handler whose whole response is returned at once (up to Lambda's 6 MB limit).</summary>
public delegate Task<ReadOnlyMemory<byte>> BufferedHandler(ReadOnlyMemory<byte> payload, LambdaContext context);

/// <summary>A handler that writes its response as it goes; each write reaches the caller right away.</summary>
public delegate Task StreamingHandler(ReadOnlyMemory<byte> payload, LambdaResponseStream response, LambdaContext context);

/// <summary>The handlers one executable offers; the function's configured handler (_HANDLER) picks one by name.</summary>
public sealed class LambdaHandlerRegistry
{
    private readonly Dictionary<string, RegisteredHandler> _handlers = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _handlers.Keys;

    public void MapBuffered(string name, BufferedHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(name, new RegisteredHandler(handler, null));
    }

    public void MapStreaming(string name, StreamingHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(name, new RegisteredHandler(null, handler));
    }

    /// <summary>
    /// The buffered handler a function configured with <paramref name="name"/> runs, found exactly as the runtime finds it;
    /// local runs call this with the handler string from the synthesized template.
    /// </summary>
    /// <exception cref="LambdaHandlerNotFoundException">No buffered handler has that name (Lambda reports Runtime.HandlerNotFound).</exception>
    public BufferedHandler ResolveBuffered(string? name) =>
        Resolve(name).Buffered ?? throw new LambdaHandlerNotFoundException($"The handler '{name}' streams its response; it is not a buffered handler.");

    internal RegisteredHandler Resolve(string? name)
    {
        var registered = _handlers.Count == 0 ? "none" : string.Join(", ", _handlers.Keys.Order(StringComparer.Ordinal));
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new LambdaHandlerNotFoundException($"No handler is configured (_HANDLER is empty). Registered handlers: {registered}.");
        }

        return _handlers.TryGetValue(name, out var handler)
            ? handler
            : throw new LambdaHandlerNotFoundException($"The handler '{name}' (from _HANDLER) is not registered. Registered handlers: {registered}.");
    }

    private void Add(string name, RegisteredHandler handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_handlers.TryAdd(name, handler))
        {
            throw new ArgumentException($"A handler named '{name}' is already registered.", nameof(name));
        }
    }

    internal sealed record RegisteredHandler(BufferedHandler? Buffered, StreamingHandler? Streaming);
}
