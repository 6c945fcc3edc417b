using System.CommandLine;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Store;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

public static class LedgerCommands
{
    public static Command Build()
    {
        var db = new Option<string?>("--db") { Description = "SQLite database file (default: DATA/medledger.db)" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string instead of a SQLite file" };
        var peerKey = new Option<string?>("--peer-key") { Description = "Peer public key (base64) to check block signatures; default: derived from DATA/peer.key" };
        var verify = new Command("verify", "Re-check every block signature, link, Merkle root, transaction signature, contract replay and anchored hash, and that the relational rows agree with the ledger") { db, postgres, peerKey };
        verify.SetAction(async (p, ct) =>
        {
            var dataDir = p.GetValue(ServeCommands.DataDir)!;
            if (p.GetValue(postgres) is null && p.GetValue(db) is null)
            {
                var located = LocateDataFolder(dataDir, explicitlyGiven: p.GetResult(ServeCommands.DataDir) is { Implicit: false }, Directory.GetCurrentDirectory());
                if (located is null)
                {
                    Console.WriteLine(MissingDataMessage(dataDir));
                    return 2;
                }
                if (!string.Equals(Path.GetFullPath(located), Path.GetFullPath(dataDir), StringComparison.Ordinal))
                {
                    Console.WriteLine($"Using the data folder {Path.GetFullPath(located)} (nearest data/medledger.db above {Directory.GetCurrentDirectory()}).");
                }
                dataDir = located;
            }
            var result = await VerifyAsync(dataDir, p.GetValue(db), p.GetValue(postgres), p.GetValue(peerKey), ct);
            Console.WriteLine(result.ToString());
            return result.Ok ? 0 : 2;
        });

        var txId = new Argument<string>("TX_ID") { Description = "Transaction id (64 hex characters)" };
        var proof = new Command("proof", "Fetch a transaction's receipt and verify it offline (signed head + inclusion proof)") { txId };
        proof.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var receipt = await client.ReceiptAsync(p.GetValue(txId)!, ct);
            var error = await client.ReceiptErrorAsync(receipt, ct);
            // The view in effect at the receipt's block (the pinned genesis, or a later one reached by verified changes).
            var consortium = (await client.ConsortiumHistoryAsync(ct)).ViewAt(receipt.Head.Height);
            var tx = receipt.Transaction();
            var table = new Table().AddColumns("field", "value");
            table.AddRow("transaction", receipt.TransactionId);
            table.AddRow("type", tx.Type);
            table.AddRow("actor", tx.ActorId);
            table.AddRow("valid", receipt.Valid ? "yes" : $"no ({Markup.Escape(receipt.Reason ?? "")})");
            table.AddRow("block", receipt.BlockHeight.ToString(System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow("log index", receipt.LogIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow("leaf hash", Convert.ToHexStringLower(receipt.LeafHash));
            table.AddRow("tree size", receipt.Head.TreeSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow("root", Convert.ToHexStringLower(receipt.Head.RootHash));
            table.AddRow("proof length", receipt.InclusionProof.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow("certified by", Markup.Escape(string.Join(", ", consortium.Signers(receipt.Head))) + $" ({consortium.Threshold} of {consortium.Members.Count} needed, consortium {consortium.Fingerprint})");
            foreach (var kv in tx.Payload.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                table.AddRow("payload." + Markup.Escape(kv.Key), Markup.Escape(kv.Value));
            }
            AnsiConsole.Write(table);
            if (error is null)
            {
                AnsiConsole.MarkupLine("[green]verified[/]: the signed head covers this transaction (checked offline).");
                return 0;
            }
            AnsiConsole.MarkupLine($"[red]NOT verified[/]: {Markup.Escape(error)}");
            return 2;
        });
        var consortium = new Command("consortium", "Show the pinned ledger consortium and every membership change this session accepted (each view, the first block it certifies, its fingerprint), checked against the server's; pins the genesis at first contact");
        consortium.SetAction(async (p, ct) =>
        {
            var (client, view) = await CliSession.PinnedAsync(p, ct);
            using var owned = client;
            var history = await client.ConsortiumHistoryAsync(ct);
            var table = new Table().AddColumns("peer", "public key fingerprint");
            foreach (var m in view.Members)
            {
                table.AddRow(Markup.Escape(m.PeerId), MedLedger.Client.MedLedgerClient.PeerFingerprint(m.PublicKey));
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"threshold {view.Threshold} of {view.Members.Count}");
            // On a line of its own: compared out of band and copied into scripts (the pinned genesis).
            Console.WriteLine($"fingerprint {view.Fingerprint}");
            // Each later view was accepted only from k certified approvals by members of the view before it.
            for (var i = 0; i < history.Views.Count; i++)
            {
                var (from, v) = history.Views[i];
                Console.WriteLine($"view {i} from block {from}: {v.Threshold} of {v.Members.Count} ({string.Join(", ", v.Members.Select(m => m.PeerId))}), fingerprint {v.Fingerprint}");
            }
            return 0;
        });
        return new Command("ledger", "Ledger proofs and verification") { verify, proof, consortium };
    }

    /// <summary>
    /// The data folder to verify: the one given with --data if it holds a database; without --data, ./data or else the nearest
    /// ancestor's data/ holding medledger.db (the server's default is ./data where it was started, e.g. the repository root by
    /// scripts/run.sh). Null when there is none.
    /// </summary>
    internal static string? LocateDataFolder(string dataDir, bool explicitlyGiven, string workingDirectory)
    {
        if (File.Exists(Path.Combine(dataDir, "medledger.db")) || explicitlyGiven)
        {
            return File.Exists(Path.Combine(dataDir, "medledger.db")) ? dataDir : null;
        }
        for (var dir = new DirectoryInfo(workingDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data");
            if (File.Exists(Path.Combine(candidate, "medledger.db")))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string MissingDataMessage(string dataDir) =>
        $"No MedLedger database at {Path.GetFullPath(Path.Combine(dataDir, "medledger.db"))}. Pass the folder the server keeps its data in: " +
        "`medledger ledger verify --data <folder>`, the same folder as `medledger serve --data <folder>` (default: ./data where the server was " +
        "started; scripts/run.sh uses <repository>/data), or --db <file> / --postgres <connection string>. Stop the server first.";

    public static async Task<LedgerVerificationResult> VerifyAsync(string dataDir, string? dbFile, string? postgres, string? peerKeyBase64, CancellationToken ct,
        Func<LedgerTransaction, string?>? anchorCheck = null)
    {
        var connection = postgres ?? $"Data Source={dbFile ?? Path.Combine(dataDir, "medledger.db")};Mode=ReadWrite;Pooling=False";
        var store = postgres is not null ? LedgerStore.Postgres(connection) : LedgerStore.Sqlite(connection);
        byte[] peerPublic;
        if (peerKeyBase64 is not null)
        {
            peerPublic = Convert.FromBase64String(peerKeyBase64);
        }
        else
        {
            var keyFile = Path.Combine(dataDir, "peer.key");
            if (!File.Exists(keyFile))
            {
                return new LedgerVerificationResult(false, $"no peer key: pass --peer-key or point --data at the folder holding peer.key");
            }
            peerPublic = UserKeyPair.FromPrivateKey(await File.ReadAllBytesAsync(keyFile, ct)).PublicKey;
        }
        var peerId = await FirstPeerIdAsync(store, ct) ?? "peer-1";
        var startedAt = DateTimeOffset.UtcNow;
        var head = (await store.GetLatestHeaderAsync(ct))?.Height ?? 0;
        // A consortium member's data folder (serve --consortium) holds the shared file: blocks are signed by any member, and
        // only the blocks this member's peer proposed have rows in this database.
        var (peerKeys, ownPeerId) = ConsortiumServe.ReadBack(dataDir) is { } consortium
            ? (consortium.Keys, consortium.PeerId)
            : (new Dictionary<string, byte[]> { [peerId] = peerPublic }, (string?)null);
        // A ledger file from before this version gets its current schema first (idempotent; see LedgerStore.InitializeAsync).
        await store.InitializeAsync(ct);
        var verifier = new LedgerVerifier(store, peerKeys, LedgerContractCatalog.Create(),
            anchorCheck ?? AnchorChecks.ForDataDirectory(dataDir));
        var result = await verifier.VerifyAsync(ct);
        await using var db = OpenDatabase(connection, postgres is not null);
        if (result.Ok)
        {
            // The ledger is sound; now every row that serves it (records, grants, assignments, bookings) must agree with it.
            var findings = await LedgerRowAudit.RunAsync(db, store, ct, ownPeerId);
            result = findings.Count == 0
                ? result with { Summary = result.Summary + "; relational rows agree with the ledger" }
                : new LedgerVerificationResult(false, $"{findings.Count} relational row(s) disagree with the ledger:" + string.Concat(findings.Select(f => "\n  " + f)));
        }
        // The admin's dashboard shows when the ledger was last verified in full, and the verdict.
        await new LedgerVerifyRuns(db).RecordAsync(startedAt, DateTimeOffset.UtcNow, head, result, ct);
        return result;
    }

    private static MedLedgerDbContext OpenDatabase(string connection, bool postgres) => postgres
        ? new PostgresMedLedgerDbContext(new DbContextOptionsBuilder<PostgresMedLedgerDbContext>().UseNpgsql(connection).Options)
        : new SqliteMedLedgerDbContext(new DbContextOptionsBuilder<SqliteMedLedgerDbContext>().UseSqlite(connection).Options);

    private static async Task<string?> FirstPeerIdAsync(LedgerStore store, CancellationToken ct) =>
        (await store.GetHeaderAsync(1, ct))?.PeerId;
}
