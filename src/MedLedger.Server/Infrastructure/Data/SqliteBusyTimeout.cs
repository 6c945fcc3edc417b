using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace MedLedger.Server.Infrastructure.Data;

/// <summary>
/// Sets SQLite's busy timeout on every connection EF opens, as the ledger's store does on its own. Without it, a write
/// that finds the file locked (by another request or by the ledger's committer, which writes the same file) gets
/// SQLITE_BUSY at once, and Microsoft.Data.Sqlite retries after a fixed 150 ms sleep: a write waiting 5 ms for the lock
/// waited 150 ms. A C call on the handle, no statement: it runs on every open.
/// </summary>
internal sealed class SqliteBusyTimeout(TimeSpan timeout) : DbConnectionInterceptor
{
    public TimeSpan Timeout => timeout;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            SQLitePCL.raw.sqlite3_busy_timeout(handle, (int)timeout.TotalMilliseconds);
        }
    }
}
