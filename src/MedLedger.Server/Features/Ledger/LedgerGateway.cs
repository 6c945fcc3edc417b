using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Ledger;

/// <summary>A transaction as it travels over the API: its canonical signing bytes and the signature over them.</summary>
public sealed record SignedTransactionDto(byte[] Transaction, byte[] Signature)
{
    public static SignedTransactionDto From(LedgerTransaction tx) => new(tx.SigningBytes, tx.Signature);

    public LedgerTransaction Parse()
    {
        try
        {
            return LedgerTransaction.FromSigningBytes(Transaction ?? [], Signature ?? []);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or LedgerRejectedException or CryptoFormatException or InvalidOperationException or OverflowException or IndexOutOfRangeException)
        {
            throw ProblemException.BadRequest("The signed transaction is not in the canonical transaction format.");
        }
    }
}

/// <summary>
/// The server's door to the ledger: features submit client-signed transactions or peer-signed
/// system events and get a receipt after commit; contract refusals become problems.
/// </summary>
public sealed class LedgerGateway(LedgerPeer peer)
{
    public LedgerPeer Peer => peer;

    public async Task<LedgerReceipt> SubmitAsync(LedgerTransaction tx, CancellationToken ct)
    {
        try
        {
            return await peer.SubmitAsync(tx, ct);
        }
        catch (LedgerRejectedException e)
        {
            throw ToProblem(e);
        }
    }

    /// <summary>
    /// Submits a client-signed transaction after checking it is the type the endpoint expects
    /// and that the server-side view of who acts matches the signer.
    /// </summary>
    public Task<LedgerReceipt> SubmitClientAsync(SignedTransactionDto? dto, string expectedType, Guid actorId, CancellationToken ct)
    {
        var tx = Expect(dto, expectedType, actorId);
        return SubmitAsync(tx, ct);
    }

    public static LedgerTransaction Expect(SignedTransactionDto? dto, string expectedType, Guid actorId)
    {
        if (dto is null)
        {
            throw ProblemException.Invalid("transaction", $"A signed {expectedType} transaction is required.");
        }
        var tx = dto.Parse();
        if (tx.Type != expectedType)
        {
            throw ProblemException.Invalid("transaction", $"Expected a {expectedType} transaction, got {tx.Type}.");
        }
        if (tx.ActorId != actorId.ToString())
        {
            throw ProblemException.Forbidden("The transaction's actor is not the signed-in user.");
        }
        return tx;
    }

    public Task<LedgerReceipt> SubmitSystemEventAsync(string type, IReadOnlyDictionary<string, string> payload, CancellationToken ct) =>
        SubmitAsync(peer.CreateSystemTransaction(type, payload), ct);

    private static ProblemException ToProblem(LedgerRejectedException e) => e.Kind switch
    {
        LedgerRejectionKind.Conflict => ProblemException.Conflict("The ledger refused the transaction: " + e.Reason),
        LedgerRejectionKind.Forbidden => ProblemException.Forbidden("The ledger refused the transaction: " + e.Reason),
        LedgerRejectionKind.Replay => ProblemException.Conflict("The ledger refused a replayed transaction: " + e.Reason),
        _ => new ProblemException(422, "ledger-rejected", "Ledger rejected the transaction", "The ledger refused the transaction: " + e.Reason),
    };
}
