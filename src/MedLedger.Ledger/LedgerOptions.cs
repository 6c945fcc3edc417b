namespace MedLedger.Ledger;

public sealed class LedgerOptions
{
    /// <summary>This peer's id; system events are signed by it as actor "peer:&lt;PeerId&gt;".</summary>
    public string PeerId { get; set; } = "peer-1";

    /// <summary>A block is cut when it holds this many transactions...</summary>
    public int MaxBlockTransactions { get; set; } = 1000;

    /// <summary>...or when its first transaction has waited this long.</summary>
    public TimeSpan MaxBlockDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Embedded peer: execute the next block in memory while the previous block's COMMIT (fsync) runs, and let it
    /// take in what arrives until that COMMIT returns (see docs/ledger.md "Pipelined commits"). Off by default: on the
    /// shared 2-core machine it was slower at 256 submitters than one block at a time (docs/benchmarks.md, issue 15).
    /// </summary>
    public bool PipelineCommits { get; set; }

    /// <summary>
    /// Spent nonces whose ledger_nonces rows wait, in memory, to be written together in one later block's transaction
    /// (the ledger_ordering row "nonce-rows-from" says from which log index they are missing; see docs/ledger.md
    /// "Nonce rows"). Each row lands at a random place in its index, so one row per block costs a page per row, while a
    /// batch shares pages. 1 writes every block's rows with the block, as before.
    /// </summary>
    public int NonceRowsPerWrite { get; set; } = 4096;

    /// <summary>
    /// Transactions whose ledger_tx_ids and ledger_subjects rows wait to be written together in one later block's
    /// transaction (ledger_ordering "index-rows-from" marks where they start; lookups by id and subject read the rest
    /// from memory or from the rows themselves; see docs/ledger.md "Index rows"). 1 writes them with every block.
    /// </summary>
    public int IndexRowsPerWrite { get; set; } = 4096;

    /// <summary>A batch of index rows is written over several blocks, one key range of about this many transactions' rows each (tests set it small).</summary>
    internal int IndexChunkTransactions { get; set; } = 128;

    /// <summary>Public keys (65-byte SEC1) of the other consortium peers, by peer id. This peer's own key is added automatically.</summary>
    public IDictionary<string, byte[]> PeerKeys { get; } = new Dictionary<string, byte[]>(StringComparer.Ordinal);

    /// <summary>
    /// True for a new organisation's peer that is not in the genesis consortium: <see cref="PeerKeys"/> then names the
    /// genesis members alone (this peer's key is not added to the configured view), and the peer becomes a member only
    /// where the ledger's own consortium.add-peer approvals say so (it joins by pulling certified blocks).
    /// </summary>
    public bool AdmittedAfterGenesis { get; set; }

    /// <summary>Distinct member signatures a block needs to be certified; null = a majority of the consortium (PeerKeys plus this peer).</summary>
    public int? Threshold { get; set; }

    /// <summary>How long SubmitAsync waits for a committed block's certificate (consortium ordering) before failing its waiters.</summary>
    public TimeSpan CertificateTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
