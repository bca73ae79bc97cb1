using System.Reflection;
using Microsoft.Extensions.Logging;

namespace HMetrics.Hosting.Tests.Docs;

/// <summary>Every <c>[LoggerMessage]</c> of <see cref="Log"/>: what the library can log, read from the compiled code.</summary>
internal sealed record LibraryLogEvent(int Id, string Name, LogLevel? Level, string Template)
{
    /// <summary>Gets every event; <see cref="Level"/> is <see langword="null"/> where the caller chooses it.</summary>
    public static IReadOnlyList<LibraryLogEvent> All { get; } =
        [.. typeof(Log).GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Select(static m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(static a => new LibraryLogEvent(a.EventId, a.EventName!, a.Level == LogLevel.None ? null : a.Level, a.Message))
            .OrderBy(static e => e.Id)];

    /// <summary>
    /// Gets the first words of the template's wording: the first four words of its first literal part of three words or
    /// more. Text in the docs that contains them quotes this message and is checked against it.
    /// </summary>
    public string Signature { get; } = SignatureOf(Template);

    /// <summary>The console logger's short name of a level, as the docs quote it: <c>info</c>, <c>warn</c>, ...</summary>
    public static string ConsoleName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => level.ToString(),
    };

    private static string SignatureOf(string template)
    {
        foreach (var literal in template.Split('{').Select(static (part, i) => i == 0 ? part : part[(part.IndexOf('}', StringComparison.Ordinal) + 1)..]))
        {
            var words = literal.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 3)
            {
                return string.Join(' ', words.Take(4));
            }
        }

        throw new InvalidOperationException("No literal part of three words or more: " + template);
    }
}
