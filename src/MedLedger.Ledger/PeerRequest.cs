using MedLedger.Crypto;

namespace MedLedger.Ledger;

/// <summary>
/// An HTTP request signed with a consortium peer's ledger key (docs/ledger.md, "Joining"): a member pulling blocks
/// from another proves it is a member without an account. Signed bytes:
/// <code>
/// CanonicalWriter("medledger.ledger.peer-request.v1")
///   .String(peerId).String(method upper-case).String(path and query, as sent).Int64(timeMs)
/// </code>
/// Sent as headers <c>MedLedger-Peer: peerId</c>, <c>MedLedger-Peer-Time: timeMs</c> (Unix milliseconds) and
/// <c>MedLedger-Peer-Signature: base64(64-byte P1363 P-256 signature)</c>. Accepted within
/// <see cref="Freshness"/> of the server's clock, and only when the key is the member's key in the consortium view.
/// </summary>
public static class PeerRequest
{
    public const string Domain = "medledger.ledger.peer-request.v1";
    public const string PeerHeader = "MedLedger-Peer";
    public const string TimeHeader = "MedLedger-Peer-Time";
    public const string SignatureHeader = "MedLedger-Peer-Signature";

    /// <summary>How far the signed time may be from the server's clock (either way).</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromMinutes(5);

    public static byte[] SigningBytes(string peerId, string method, string pathAndQuery, long timeMs)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        return new CanonicalWriter(Domain).String(peerId).String(method.ToUpperInvariant()).String(pathAndQuery).Int64(timeMs).ToArray();
    }

    /// <summary>The three header values for one request.</summary>
    public static (string Peer, string Time, string Signature) Sign(string peerId, string method, string pathAndQuery, long timeMs, LedgerSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signature = key.Sign(SigningBytes(peerId, method, pathAndQuery, timeMs));
        return (peerId, timeMs.ToString(System.Globalization.CultureInfo.InvariantCulture), Convert.ToBase64String(signature));
    }

    /// <summary>
    /// Null when the headers prove a member of <paramref name="consortium"/> signed this very request recently;
    /// otherwise why not, and whether the caller is known but not a member (403) rather than unauthenticated (401).
    /// </summary>
    public static (string Reason, bool NotMember)? Check(string? peer, string? time, string? signature, string method, string pathAndQuery,
        long nowMs, ConsortiumView consortium)
    {
        ArgumentNullException.ThrowIfNull(consortium);
        if (string.IsNullOrEmpty(peer) || string.IsNullOrEmpty(time) || string.IsNullOrEmpty(signature))
        {
            return ($"a peer request carries {PeerHeader}, {TimeHeader} and {SignatureHeader}", false);
        }
        if (!long.TryParse(time, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var timeMs))
        {
            return ($"{TimeHeader} is not Unix milliseconds", false);
        }
        if (Math.Abs(nowMs - timeMs) > (long)Freshness.TotalMilliseconds)
        {
            return ($"{TimeHeader} is more than {Freshness.TotalMinutes:0} minutes from the server's clock", false);
        }
        var sig = new byte[LedgerCrypto.SignatureSize + 3];
        if (!Convert.TryFromBase64String(signature, sig, out var n) || n != LedgerCrypto.SignatureSize)
        {
            return ($"{SignatureHeader} is not a base64 64-byte signature", false);
        }
        if (consortium.KeyOf(peer) is not { } key)
        {
            return ($"peer '{peer}' is not a member of the consortium", true);
        }
        return LedgerCrypto.Verify(key, SigningBytes(peer, method, pathAndQuery, timeMs), sig[..n])
            ? null
            : ($"the signature does not verify with member {peer}'s key over this request", false);
    }
}
