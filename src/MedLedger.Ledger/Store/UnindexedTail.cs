namespace MedLedger.Ledger.Store;

/// <summary>
/// The committed transactions at or after the index mark (ledger_ordering "index-rows-from"): their ledger_tx_ids and
/// ledger_subjects rows are not written yet (docs/ledger.md "Index rows"), so lookups by id and by subject find them
/// here. Kept by the one writer of this process and published through <see cref="LedgerStore"/>; entries appear only
/// after their block's COMMIT, and leave only after the COMMIT that wrote their rows, so a reader that takes a snapshot
/// here and then asks the database for rows below the snapshot's mark sees every committed transaction exactly once.
/// </summary>
internal sealed class UnindexedTail
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<long>> _byTxId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<long>> _bySubject = new(StringComparer.Ordinal);
    private long _mark;

    public UnindexedTail(long mark)
    {
        _mark = mark;
    }

    /// <summary>
    /// After a COMMIT: when <paramref name="newMark"/> is set, that COMMIT wrote the rows of everything below it, and
    /// <paramref name="committed"/> is the whole tail from then on; otherwise it joins the tail (log indexes ascending).
    /// </summary>
    public void Commit(long? newMark, IEnumerable<UnindexedTransaction> committed)
    {
        lock (_gate)
        {
            if (newMark is { } mark)
            {
                _mark = mark;
                _byTxId.Clear();
                _bySubject.Clear();
            }
            foreach (var t in committed)
            {
                if (t.LogIndex < _mark)
                {
                    continue;
                }
                Add(_byTxId, t.TxId, t.LogIndex);
                foreach (var s in t.Subjects)
                {
                    Add(_bySubject, s, t.LogIndex);
                }
            }
        }
    }

    private static void Add(Dictionary<string, List<long>> map, string key, long index)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = new List<long>(1);
        }
        list.Add(index);
    }

    /// <summary>The mark and the tail's log indexes carrying <paramref name="txId"/>, ascending.</summary>
    public (long Mark, long[] Indexes) ByTxId(string txId)
    {
        lock (_gate)
        {
            return (_mark, _byTxId.TryGetValue(txId, out var list) ? [.. list] : []);
        }
    }

    /// <summary>The mark and at most <paramref name="limit"/> tail log indexes below <paramref name="beforeIndex"/> that mention <paramref name="subject"/>, newest first.</summary>
    public (long Mark, List<long> Indexes) BySubject(string subject, long beforeIndex, int limit)
    {
        var found = new List<long>();
        lock (_gate)
        {
            if (_bySubject.TryGetValue(subject, out var list))
            {
                for (var i = list.Count - 1; i >= 0 && found.Count < limit; i--)
                {
                    if (list[i] < beforeIndex)
                    {
                        found.Add(list[i]);
                    }
                }
            }
            return (_mark, found);
        }
    }
}

/// <summary>A committed transaction whose index rows are not written yet: its id and the subjects its contract derived.</summary>
internal sealed record UnindexedTransaction(long LogIndex, string TxId, IReadOnlyList<string> Subjects)
{
    /// <summary>
    /// ledger_transactions.subjects: the subjects between single spaces (" a b "), so a stored row can be searched for
    /// " a " without the contracts. Names never contain a space (<see cref="LedgerTransaction.IsName"/>).
    /// </summary>
    public static string Column(IEnumerable<string> subjects) => " " + string.Concat(subjects.Select(s => s + " "));

    public static IReadOnlyList<string> ParseColumn(string column) => column.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// ledger_tx_ids.tx_key: the id's first 64 bits (an id is 64 hex digits of SHA-256). Eight bytes keep that random-key
    /// index a fifth the size of one on the 64-character id, so a batch of rows rewrites fewer pages; lookups still
    /// compare the whole id. Null for a string that cannot be an id.
    /// </summary>
    public static long? TxKey(string txId) =>
        txId.Length == 64 && long.TryParse(txId.AsSpan(0, 16), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var key)
            ? key
            : null;
}
