using Microsoft.ML.Runtime;

namespace Microsoft.ML;

/// <summary>A message written to <see cref="MLContext.Log"/>.</summary>
public sealed class LoggingEventArgs : EventArgs
{
    /// <summary>Creates a log message.</summary>
    /// <param name="message">The text of the message.</param>
    public LoggingEventArgs(string message)
    {
        RawMessage = message ?? throw new ArgumentNullException(nameof(message));
        Message = message;
        Source = "";
    }

    /// <summary>Creates a log message with its kind and source.</summary>
    /// <param name="message">The text of the message.</param>
    /// <param name="kind">The severity.</param>
    /// <param name="source">The component that wrote it.</param>
    public LoggingEventArgs(string message, ChannelMessageKind kind, string source)
    {
        RawMessage = message ?? throw new ArgumentNullException(nameof(message));
        Kind = kind;
        Source = source ?? "";
        Message = $"[Source={Source}, Kind={kind}] {message}";
    }

    /// <summary>The severity.</summary>
    public ChannelMessageKind Kind { get; }

    /// <summary>The component that wrote the message.</summary>
    public string Source { get; }

    /// <summary>The message with its source and kind, as ML.NET formats it.</summary>
    public string Message { get; }

    /// <summary>The message text alone.</summary>
    public string RawMessage { get; }
}
