using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace MedLedger.Server.Infrastructure.Data;

/// <summary>A read run through <see cref="SqliteReadConnections"/>: its SQL and its parameters' names, prepared once per connection.</summary>
public sealed class SqliteRead(string sql, params string[] parameters)
{
    public string Sql { get; } = sql;
    public IReadOnlyList<string> Parameters { get; } = parameters;
}

/// <summary>
/// Open read connections to the server's SQLite file, each keeping its prepared statements, for the reads nearly every
/// request makes (the session lookup, the record read). Microsoft.Data.Sqlite compiles SQL again for every new command
/// (dotnet/efcore#14044) and EF makes a new command for every query and opens and closes a pooled connection around it,
/// so each request paid the parse and plan of these joins (~20 µs each, measured with Python's sqlite3 beside its
/// statement cache) and two opens and closes. Reads here see exactly what EF's reads see: the last committed state
/// (WAL), never an open transaction's writes, so a caller inside a transaction keeps using EF.
/// Not enabled on PostgreSQL (no connection string here): those reads stay EF queries.
/// </summary>
public sealed class SqliteReadConnections : IDisposable
{
    // Requests run these reads synchronously on pool threads; a few idle connections cover a 2-core machine's bursts,
    // and one more than that is opened for the burst and closed after it.
    private const int KeptIdle = 8;
    private readonly string? _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly ConcurrentBag<ReadConnection> _idle = [];
    private int _opened;
    private volatile bool _disposed;

    public SqliteReadConnections(string? connectionString, TimeSpan busyTimeout)
    {
        _connectionString = connectionString;
        _busyTimeoutMs = (int)busyTimeout.TotalMilliseconds;
    }

    /// <summary>False on PostgreSQL: callers run their EF query instead.</summary>
    public bool Enabled => _connectionString is not null;

    /// <summary>Connections opened so far (each prepares a statement once, on its first use of it).</summary>
    public int Opened => Volatile.Read(ref _opened);

    /// <summary>A GUID as EF stores and binds it on SQLite (upper-case text): a parameter compared with a GUID column.</summary>
    public static string GuidText(Guid value) => value.ToString("D").ToUpperInvariant();

    /// <summary>Binds <paramref name="values"/> in the statement's parameter order (null as SQL NULL), runs it and hands the reader to <paramref name="read"/>.</summary>
    public TResult Run<TResult>(SqliteRead statement, ReadOnlySpan<object?> values, Func<SqliteDataReader, TResult> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (values.Length != statement.Parameters.Count)
        {
            throw new ArgumentException($"The statement takes {statement.Parameters.Count} values.", nameof(values));
        }
        var connection = _idle.TryTake(out var idle) ? idle : Open();
        var reusable = false;
        try
        {
            var command = connection.Command(statement);
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
            TResult result;
            using (var reader = command.ExecuteReader())
            {
                result = read(reader);
            }
            reusable = true;
            return result;
        }
        finally
        {
            // A connection whose read failed part-way is not trusted with the next one.
            if (reusable && !_disposed && _idle.Count < KeptIdle)
            {
                _idle.Add(connection);
                if (_disposed)
                {
                    Drain();
                }
            }
            else
            {
                connection.Dispose();
            }
        }
    }

    private ReadConnection Open()
    {
        var connection = new SqliteConnection(_connectionString ?? throw new InvalidOperationException("SQLite reads are not enabled on this store."));
        connection.Open();
        // As on EF's connections (SqliteBusyTimeout): a WAL reader can meet a lock during recovery or a checkpoint restart.
        SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, _busyTimeoutMs);
        Interlocked.Increment(ref _opened);
        return new ReadConnection(connection);
    }

    private void Drain()
    {
        while (_idle.TryTake(out var c))
        {
            c.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Drain();
    }

    /// <summary>One open connection and the commands prepared on it; used by one request at a time.</summary>
    private sealed class ReadConnection(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<SqliteRead, SqliteCommand> _commands = new(ReferenceEqualityComparer.Instance);

        public SqliteCommand Command(SqliteRead statement)
        {
            if (!_commands.TryGetValue(statement, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = statement.Sql;
                foreach (var name in statement.Parameters)
                {
                    command.Parameters.Add(new SqliteParameter { ParameterName = name });
                }
                command.Prepare();
                _commands.Add(statement, command);
            }
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }
            connection.Dispose();
        }
    }
}
