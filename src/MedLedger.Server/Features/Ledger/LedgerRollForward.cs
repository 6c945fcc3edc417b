using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Store;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Ledger;

/// <summary>
/// A feature's rows for its own transaction types: written from the JSON the feature recorded before submitting,
/// once the ledger has committed the transaction (right away, or later by roll-forward after a crash).
/// </summary>
public interface ILedgerRowWriter
{
    IReadOnlyCollection<string> TransactionTypes { get; }

    /// <summary>
    /// Stores the rows <paramref name="tx"/> stands for. Runs inside the roll-forward's database transaction, which
    /// has already claimed the pending write (so it runs once per transaction); it must not begin or commit one.
    /// </summary>
    Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct);
}

/// <summary>Start-up repair for a feature whose rows come first and whose ledger event follows (bookings).</summary>
public interface ILedgerRowRepair
{
    /// <summary>Brings the feature's rows and the ledger back together; returns how many rows it repaired.</summary>
    Task<int> RepairAsync(CancellationToken ct);
}

/// <summary>
/// `ledger verify`'s relational side for one feature: compares the feature's own rows with the committed
/// transactions of its types. Needs only the database (the CLI runs it with the server stopped).
/// </summary>
public interface ILedgerRowCheck
{
    IReadOnlyCollection<string> TransactionTypes { get; }

    /// <summary>Adds one finding per row that is missing, ahead, behind or has a different hash. <paramref name="committed"/> is in log order.</summary>
    Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct);
}

/// <summary>
/// Keeps the relational rows behind the ledger, the source of truth. A request records what its rows will be
/// (<see cref="PendingLedgerWrite"/>), submits, then writes them in one database transaction that deletes the
/// pending write. A process killed between the ledger commit and that transaction leaves the pending write; the
/// next start (or a conflict during a request) finds its transaction committed and writes the rows then.
/// </summary>
public sealed class LedgerRollForward(IServiceScopeFactory scopes, LedgerGateway gateway, TimeProvider clock, ILogger<LedgerRollForward> logger,
    Microsoft.Extensions.Options.IOptions<LedgerHostOptions> hosting) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Under the embedded orderer the ledger's blocks are committed (synchronous=FULL) to the same SQLite file and WAL as
    /// the pending write, after it: the block's fsync makes the pending row durable too, so the pending row needs no fsync
    /// of its own. A shared orderer may commit the transaction while this server's peer has not, so there it must be durable
    /// before it is submitted.
    /// </summary>
    private readonly bool _pendingDurableWithBlock = hosting.Value.Ordering == LedgerHostOptions.EmbeddedOrdering;

    /// <summary>
    /// SQLite has one write lock, and a connection that finds it taken waits in SQLite's busy handler: the thread sleeps
    /// 1, 2, 5, 10… 25 ms inside the C call and is not woken when the lock comes free. The writes every ledger transaction
    /// makes (pending write, rows) run one at a time on one thread instead, and the next one starts as soon as the last
    /// one commits. Other writers (the committer, other features) still meet them at SQLite's lock.
    /// </summary>
    private readonly SqliteWriteThread _sqliteWriters = new("MedLedger rows");

    private Task<T> SerializedAsync<T>(MedLedgerDbContext db, Func<Task<T>> work, CancellationToken ct) =>
        db.Database.IsSqlite() ? _sqliteWriters.RunAsync(work, ct) : work();

    public void Dispose() => _sqliteWriters.Dispose();

    /// <summary>Submits <paramref name="tx"/> and stores <paramref name="rows"/> through the writer of its type, or throws the ledger's refusal.</summary>
    public async Task<LedgerReceipt> SubmitAsync<TRows>(LedgerTransaction tx, TRows rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var json = JsonSerializer.Serialize(rows, Json);
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
            db.Add(new PendingLedgerWrite { TransactionId = tx.Id, Type = tx.Type, Rows = json, CreatedAt = clock.GetUtcNow() });
            try
            {
                await SerializedAsync(db, () => _pendingDurableWithBlock
                    ? SqliteSynchronousNormal.RunAsync(db, () => db.SaveChangesAsync(ct), ct)
                    : db.SaveChangesAsync(ct), ct);
            }
            catch (DbUpdateException)
            {
                throw ProblemException.Conflict("This transaction is already being submitted.");
            }
        }
        LedgerReceipt receipt;
        try
        {
            // From here on finish even if the caller goes away: a cancelled wait would not stop the commit.
            receipt = await gateway.SubmitAsync(tx, CancellationToken.None);
        }
        catch (ProblemException e)
        {
            // Refused and recorded as invalid: there are no rows to write.
            await DropAsync(tx.Id);
            if (e.Status == StatusCodes.Status409Conflict)
            {
                // A conflict may be the ledger being ahead of rows a crash left behind: catch up so the retry sees them.
                await CatchUpAsync(atStart: false, CancellationToken.None);
            }
            throw;
        }
        await WriteRowsAsync(tx, json, CancellationToken.None);
        return receipt;
    }

    /// <summary>
    /// Writes the rows of every pending write whose transaction the ledger committed, in log order; drops those it
    /// refused. At start-up nothing is in flight, so a pending write the ledger never saw is dropped too; during a
    /// request it may still be on its way and stays. Returns how many transactions were rolled forward.
    /// </summary>
    public async Task<int> CatchUpAsync(bool atStart, CancellationToken ct)
    {
        List<PendingLedgerWrite> pending;
        await using (var scope = scopes.CreateAsyncScope())
        {
            pending = await scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>().Set<PendingLedgerWrite>().AsNoTracking().ToListAsync(ct);
        }
        var committed = new List<(StoredTransaction Tx, string Rows)>();
        foreach (var p in pending)
        {
            var stored = await gateway.Peer.Store.GetTransactionsByIdAsync(p.TransactionId, ct);
            var valid = stored.FirstOrDefault(s => s.Valid);
            if (valid is not null)
            {
                committed.Add((valid, p.Rows));
            }
            else if (stored.Count > 0 || atStart)
            {
                await DropAsync(p.TransactionId);
            }
        }
        var written = 0;
        foreach (var (tx, rows) in committed.OrderBy(c => c.Tx.LogIndex))
        {
            if (await WriteRowsAsync(tx.Transaction, rows, ct))
            {
                written++;
            }
        }
        if (written > 0)
        {
            logger.LogWarning("Rolled {Count} committed ledger transaction(s) forward into the relational store.", written);
        }
        return written;
    }

    /// <summary>How many writes still wait for their transaction's verdict.</summary>
    public async Task<int> PendingCountAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>().Set<PendingLedgerWrite>().CountAsync(ct);
    }

    /// <summary>Runs every feature's <see cref="ILedgerRowRepair"/> (start-up only).</summary>
    public async Task<int> RepairAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var repaired = 0;
        foreach (var repair in scope.ServiceProvider.GetServices<ILedgerRowRepair>())
        {
            repaired += await repair.RepairAsync(ct);
        }
        if (repaired > 0)
        {
            logger.LogWarning("Repaired {Count} row(s) whose ledger event was missing or unlinked.", repaired);
        }
        return repaired;
    }

    private async Task<bool> WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
        var writer = scope.ServiceProvider.GetServices<ILedgerRowWriter>().SingleOrDefault(w => w.TransactionTypes.Contains(tx.Type))
            ?? throw new InvalidOperationException($"No row writer is registered for {tx.Type}.");
        // No fsync of its own: the pending row it deletes is durable, so if a power loss takes this commit away it takes the
        // delete with it, and the roll-forward at the next start writes the same rows again.
        return await SerializedAsync(db, () => SqliteSynchronousNormal.RunAsync(db, async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // The claim is the first statement (a write): whoever deletes the pending row writes the rows, exactly once,
            // whether that is the request itself or a roll-forward that got there first.
            var claimed = await db.Set<PendingLedgerWrite>().Where(p => p.TransactionId == tx.Id).ExecuteDeleteAsync(ct);
            if (claimed == 0)
            {
                await transaction.RollbackAsync(ct);
                return false;
            }
            await writer.WriteRowsAsync(tx, rows, ct);
            await transaction.CommitAsync(ct);
            return true;
        }, ct), ct);
    }

    private async Task DropAsync(string transactionId)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>().Set<PendingLedgerWrite>()
            .Where(p => p.TransactionId == transactionId).ExecuteDeleteAsync(CancellationToken.None);
    }
}

/// <summary>
/// Rolls the relational side forward once the peer has started, before the server takes requests. Under shared
/// (etcd) ordering the peer may not yet have read everything the orderer holds: a transaction this server handed to
/// the orderer just before a crash can still be applied after the restart, so an unseen pending write is kept (not
/// dropped as under the embedded orderer, where nothing is in flight at start) and re-checked in the background
/// until it is committed or a bounded number of rounds has passed.
/// </summary>
internal sealed class LedgerRollForwardService(LedgerRollForward rollForward, Microsoft.Extensions.Options.IOptions<LedgerHostOptions> options, ILogger<LedgerRollForwardService> logger) : IHostedService, IDisposable
{
    /// <summary>Background rounds after start under shared ordering, one a second (a restarted peer catches up within them).</summary>
    public const int SharedOrderingRounds = 120;

    private readonly CancellationTokenSource _stop = new();
    private Task _followUp = Task.CompletedTask;
    private int _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var shared = options.Value.Ordering == LedgerHostOptions.EtcdOrdering;
        await rollForward.CatchUpAsync(atStart: !shared, cancellationToken);
        await rollForward.RepairAsync(cancellationToken);
        if (shared)
        {
            _followUp = FollowUpAsync(_stop.Token);
        }
    }

    private async Task FollowUpAsync(CancellationToken ct)
    {
        try
        {
            for (var round = 0; round < SharedOrderingRounds && await rollForward.PendingCountAsync(ct) > 0; round++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                await rollForward.CatchUpAsync(atStart: false, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        catch (Exception e) when (e is InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException or System.Data.Common.DbException)
        {
            logger.LogError(e, "Rolling pending ledger writes forward after start failed; the next start retries.");
        }
    }

    // The host may stop a service twice (a test stops it, then disposes the host): the second stop has nothing to do.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync();
        await _followUp;
    }

    public void Dispose() => _stop.Dispose();
}

/// <summary>
/// The relational half of `ledger verify`: every feature's <see cref="ILedgerRowCheck"/> against the committed
/// transactions, plus pending writes whose transaction committed (rows behind the ledger, rolled forward at the next start).
/// </summary>
public static class LedgerRowAudit
{
    private const int Page = 2000;

    /// <param name="ownPeerId">
    /// On a ledger shared by a consortium, this server's peer id: only transactions in blocks its peer proposed (the
    /// header's PeerId under etcd ordering) came through this server and have rows here; the other members' servers
    /// hold theirs. Null: every block (the embedded orderer, where this peer proposes them all).
    /// </param>
    public static async Task<IReadOnlyList<string>> RunAsync(MedLedgerDbContext db, LedgerStore store, CancellationToken ct, string? ownPeerId = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(store);
        var checks = typeof(LedgerRowAudit).Assembly.GetTypes()
            .Where(t => typeof(ILedgerRowCheck).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (ILedgerRowCheck)Activator.CreateInstance(t)!)
            .OrderBy(c => c.GetType().FullName, StringComparer.Ordinal)
            .ToList();
        var types = checks.SelectMany(c => c.TransactionTypes).ToHashSet(StringComparer.Ordinal);
        var byType = types.ToDictionary(t => t, _ => new List<(long Index, LedgerTransaction Tx)>(), StringComparer.Ordinal);
        var committedIds = new HashSet<string>(StringComparer.Ordinal);
        var size = (await store.GetLatestHeaderAsync(ct))?.TreeSize ?? 0;
        var proposers = new Dictionary<long, string?>();
        async Task<string?> ProposerAsync(long height)
        {
            if (!proposers.TryGetValue(height, out var peer))
            {
                peer = proposers[height] = (await store.GetHeaderAsync(height, ct))?.PeerId;
            }
            return peer;
        }
        for (long from = 0; from < size; from += Page)
        {
            foreach (var s in await store.GetTransactionsInRangeAsync(from, Math.Min(size, from + Page), ct))
            {
                if (ownPeerId is not null && await ProposerAsync(s.BlockHeight) != ownPeerId)
                {
                    continue;
                }
                if (s.Valid && byType.TryGetValue(s.Transaction.Type, out var list))
                {
                    list.Add((s.LogIndex, s.Transaction));
                    committedIds.Add(s.Id);
                }
            }
        }
        var findings = new List<string>();
        foreach (var p in await db.Set<PendingLedgerWrite>().AsNoTracking().OrderBy(p => p.TransactionId).ToListAsync(ct))
        {
            if (committedIds.Contains(p.TransactionId))
            {
                findings.Add($"{p.Type} {p.TransactionId}: committed on the ledger but its rows are not written (behind; rolled forward at the next start)");
            }
        }
        foreach (var check in checks)
        {
            // Log order across the check's types (assign before unassign) is the order the ledger applied them in.
            var committed = check.TransactionTypes.SelectMany(t => byType[t]).OrderBy(x => x.Index).Select(x => x.Tx).ToList();
            await check.CheckAsync(committed, db, findings, ct);
        }
        return findings;
    }
}
