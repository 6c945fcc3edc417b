using MedLedger.Ledger;

namespace MedLedger.Server.Features.Ledger;

/// <summary>
/// Checks that hashes anchored on the ledger still match the stores (used by `medledger ledger verify`).
/// Features that anchor content hashes add their rule here.
/// </summary>
public static class AnchorChecks
{
    public static Func<LedgerTransaction, string?> ForDataDirectory(string dataDirectory)
    {
        var blobs = Path.Combine(dataDirectory, "blobs");
        return tx =>
        {
            // Any transaction anchoring a ciphertext hash must find that blob, byte-identical.
            if (tx.Get("ciphertextHash") is { } hash)
            {
                return Infrastructure.Blobs.FileBlobStore.CheckBlob(blobs, hash);
            }
            return null;
        };
    }
}
