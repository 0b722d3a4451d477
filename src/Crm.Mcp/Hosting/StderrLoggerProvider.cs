using Microsoft.Extensions.Logging;

namespace Crm.Mcp.Hosting;

/// <summary>
/// The stdio server's log: one line per entry on stderr, in the console logger's single-line form
/// ("info: Crm.Mcp[0] message", an exception on the lines after it), written at once. A stdio server logs a handful of
/// lines in its life, so the console logger's queue, thread, formatters and options are not worth their memory here
/// (StdioHost); the HTTP host keeps it.
/// </summary>
public sealed class StderrLoggerProvider(TextWriter? output = null) : ILoggerProvider
{
    private readonly TextWriter _output = output ?? Console.Error;

    public ILogger CreateLogger(string categoryName) => new StderrLogger(categoryName, _output);

    public void Dispose()
    {
    }

    private sealed class StderrLogger(string category, TextWriter output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{Label(logLevel)}: {category}[{eventId.Id}] {formatter(state, exception)}";
            output.WriteLine(exception is null ? line : line + Environment.NewLine + exception);
        }

        private static string Label(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
