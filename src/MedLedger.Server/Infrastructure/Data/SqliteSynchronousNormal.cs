using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Infrastructure.Data;

/// <summary>
/// Runs one unit of work on a SQLite connection set to <c>synchronous=NORMAL</c>, then puts the pooled connection back
/// to FULL. In WAL mode a NORMAL commit is appended to the WAL without an fsync: it is atomic and never corrupts, but a
/// power loss may take it away until a later FULL commit (or a checkpoint, which syncs the WAL first) has made the WAL
/// durable up to and past it. Callers use it only where that is the design: see docs/ledger.md, "Crash consistency".
/// A no-op on PostgreSQL.
/// </summary>
public static class SqliteSynchronousNormal
{
    public static async Task<T> RunAsync<T>(MedLedgerDbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(work);
        if (!db.Database.IsSqlite())
        {
            return await work();
        }
        await db.Database.OpenConnectionAsync(ct);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var handle = connection.Handle!;
        try
        {
            Exec(handle, "PRAGMA synchronous=NORMAL");
            return await work();
        }
        finally
        {
            // The connection goes back to the pool: the next user must get the default (FULL) again. If that cannot be
            // set, the pool's connections are dropped rather than handed out at NORMAL.
            try
            {
                Exec(handle, "PRAGMA synchronous=FULL");
            }
            catch (SqliteException)
            {
                SqliteConnection.ClearPool(connection);
                throw;
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private static void Exec(SQLitePCL.sqlite3 handle, string sql)
    {
        var rc = SQLitePCL.raw.sqlite3_exec(handle, sql);
        if (rc != SQLitePCL.raw.SQLITE_OK)
        {
            throw new SqliteException($"{sql} failed: {SQLitePCL.raw.sqlite3_errmsg(handle).utf8_to_string()}", rc);
        }
    }
}
