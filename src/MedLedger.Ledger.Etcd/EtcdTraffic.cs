using System.Diagnostics;

namespace MedLedger.Ledger.Etcd;

/// <summary>
/// What one <see cref="EtcdOrderingService"/> asked of etcd, split by path, so a benchmark can measure where a
/// transaction's latency goes instead of guessing (issue 14 item 8). Times are wall clock per call including
/// member failover retries; counts only ever grow.
/// </summary>
public sealed record EtcdTraffic(
    EtcdCalls EnvelopeWrites, long EnvelopesWritten, long EnvelopeTransactions, long EnvelopeBytes,
    EtcdCalls EnvelopeReads, long EnvelopesRead,
    EtcdCalls CertificateWrites, long SignaturesPublished,
    EtcdCalls CertificateReads, long SignaturesRead)
{
    /// <summary>Field-wise difference (a run's traffic: after − before).</summary>
    public EtcdTraffic Minus(EtcdTraffic before)
    {
        ArgumentNullException.ThrowIfNull(before);
        return new(EnvelopeWrites.Minus(before.EnvelopeWrites), EnvelopesWritten - before.EnvelopesWritten,
            EnvelopeTransactions - before.EnvelopeTransactions, EnvelopeBytes - before.EnvelopeBytes,
            EnvelopeReads.Minus(before.EnvelopeReads), EnvelopesRead - before.EnvelopesRead,
            CertificateWrites.Minus(before.CertificateWrites), SignaturesPublished - before.SignaturesPublished,
            CertificateReads.Minus(before.CertificateReads), SignaturesRead - before.SignaturesRead);
    }
}

/// <summary>Round trips of one kind and their summed wall time.</summary>
public readonly record struct EtcdCalls(long Count, TimeSpan Total)
{
    public double MeanMs => Count == 0 ? 0 : Total.TotalMilliseconds / Count;

    public EtcdCalls Minus(EtcdCalls before) => new(Count - before.Count, Total - before.Total);
}

/// <summary>A thread-safe count and time sum for one kind of call.</summary>
internal sealed class EtcdCallTimer
{
    private long _count;
    private long _ticks;

    public void Add(long startTimestamp)
    {
        Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - startTimestamp);
        Interlocked.Increment(ref _count);
    }

    public EtcdCalls Read() => new(Interlocked.Read(ref _count), Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks)));
}
