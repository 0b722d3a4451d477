using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Data;

/// <summary>
/// A SqliteConnection whose commands (as Dapper creates them) reuse one compiled statement per SQL text for the life
/// of the connection. Microsoft.Data.Sqlite compiles every new command's SQL again, and compiling an INSERT or UPDATE
/// also compiles every trigger it fires (journal, name index, search index): that was about half the time of a bulk
/// write or an import. Statements are reset after each use, so reuse changes no result.
/// </summary>
/// <remarks>Disposing hands the connection to <paramref name="tryReturn"/> (the owner's pool), which keeps it open with
/// its statements when it can; <see cref="Release"/> really closes it.</remarks>
public sealed class StatementCachingConnection(string connectionString, Func<StatementCachingConnection, bool>? tryReturn = null)
    : SqliteConnection(connectionString)
{
    // Dynamic SQL (list filters) varies per call; beyond this many texts a command is compiled and dropped as before.
    private const int MaxCached = 256;
    private readonly Dictionary<string, SqliteCommand> _idle = new(StringComparer.Ordinal);

    protected override DbCommand CreateDbCommand() => new ReusingCommand(this);

    /// <summary>An idle compiled command for <paramref name="sql"/>, or a new one; it is this caller's until returned.</summary>
    private SqliteCommand Rent(string sql)
    {
        _rentedOut++;
        if (_idle.Remove(sql, out var command)) return command;
        command = CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private void Return(SqliteCommand command)
    {
        _rentedOut--;
        command.Parameters.Clear();
        command.Transaction = null;
        if (_idle.Count < MaxCached && _idle.TryAdd(command.CommandText, command)) return;
        command.Dispose();
    }

    /// <summary>Open, no transaction in progress (autocommit), no statement rented out: safe to hand to another caller.</summary>
    internal bool IsIdle => State == ConnectionState.Open && _rentedOut == 0 && SQLitePCL.raw.sqlite3_get_autocommit(Handle) != 0;

    private int _rentedOut;
    private bool _releasing;

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_releasing && tryReturn is not null && tryReturn(this)) return;
        if (disposing)
        {
            foreach (var command in _idle.Values) command.Dispose();
            _idle.Clear();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        return default;
    }

    /// <summary>Closes the connection for good (it is not returned to a pool).</summary>
    internal void Release()
    {
        _releasing = true;
        Dispose(true);
    }

    /// <summary>The command Dapper sees: collects text and parameters, runs them on a rented compiled command, and
    /// gives that command back when disposed (Dapper disposes each command once its reader is done).</summary>
    private sealed class ReusingCommand(StatementCachingConnection connection) : DbCommand
    {
        private readonly CollectedParameters _parameters = new();
        private SqliteCommand? _rented;
        private string _text = "";

        private sealed class CollectedParameters : SqliteParameterCollection;

        [AllowNull]
        public override string CommandText
        {
            get => _text;
            set
            {
                _text = value ?? "";
                if (_rented is not null) { connection.Return(_rented); _rented = null; }
            }
        }

        public override int CommandTimeout { get; set; } = 30;
        public override CommandType CommandType { get; set; } = CommandType.Text;
        public override UpdateRowSource UpdatedRowSource { get; set; }
        public override bool DesignTimeVisible { get; set; }
        // Dapper.AOT assigns the connection the command came from; only moving it to another connection is refused.
        protected override DbConnection? DbConnection
        {
            get => connection;
            set { if (value is not null && !ReferenceEquals(value, connection)) throw new NotSupportedException(); }
        }
        protected override DbParameterCollection DbParameterCollection => _parameters;
        protected override DbTransaction? DbTransaction { get; set; }

        public override void Cancel() => _rented?.Cancel();
        public override void Prepare() { }
        protected override DbParameter CreateDbParameter() => new SqliteParameter();

        private SqliteCommand Bound()
        {
            if (CommandType != CommandType.Text) throw new NotSupportedException("Only CommandType.Text is supported.");
            var command = _rented ??= connection.Rent(_text);
            command.Parameters.Clear();
            foreach (SqliteParameter parameter in _parameters) command.Parameters.Add(parameter);
            command.Transaction = (SqliteTransaction?)DbTransaction;
            command.CommandTimeout = CommandTimeout;
            return command;
        }

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Bound().ExecuteReader(behavior);
        public override int ExecuteNonQuery() => Bound().ExecuteNonQuery();
        public override object? ExecuteScalar() => Bound().ExecuteScalar();

        protected override void Dispose(bool disposing)
        {
            if (disposing && _rented is not null)
            {
                connection.Return(_rented);
                _rented = null;
            }
            base.Dispose(disposing);
        }
    }
}
