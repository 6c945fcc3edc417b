namespace MedLedger.Ledger.Etcd;

/// <summary>
/// How a peer reaches the consortium's etcd cluster (configuration section Ledger:Etcd). Mutual TLS
/// only: the cluster's CA, and this peer's client certificate whose CN is its etcd user (RBAC lets
/// it write only under its own envelope prefix; scripts/etcd-cluster.sh sets that up).
/// </summary>
public sealed class EtcdOrderingOptions
{
    /// <summary>https://host:port of each member; a failed call moves on to the next.</summary>
    public IList<string> Endpoints { get; } = [];
    public string CaFile { get; set; } = "";
    public string CertFile { get; set; } = "";
    public string KeyFile { get; set; } = "";
    /// <summary>Envelopes live under Prefix + peerId + "/".</summary>
    public string Prefix { get; set; } = "/medledger/ordering/envelopes/";
    /// <summary>Block signatures live under CertificatePrefix + peerId + "/" + height (20 digits); see docs/ledger.md "Commit certificates".</summary>
    public string CertificatePrefix { get; set; } = "/medledger/certificates/";
    /// <summary>Each peer's last applied envelope revision lives at AppliedPrefix + peerId (decimal); compaction never passes the lowest.</summary>
    public string AppliedPrefix { get; set; } = "/medledger/applied/";
    /// <summary>How often a peer publishes its applied revision, deletes its own envelopes every member has applied and compacts below them; zero turns clean-up off.</summary>
    public TimeSpan CleanUpInterval { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Envelopes per linearizable Range read. A peer that is behind applies what one Range returned as consecutive
    /// blocks in one database transaction (group commit), so a larger read means fewer fsyncs; 64 envelopes of at most
    /// 1 MiB stay under the channel's 128 MiB receive limit.
    /// </summary>
    public int ReadLimit { get; set; } = 64;
    /// <summary>
    /// Deadline of a call's first attempt before the next member is tried. A call in flight when the leader dies is
    /// neither answered nor refused (the proposal is dropped), so this bounds the failover gap; keep it short.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(1.5);
    /// <summary>
    /// Each attempt of the same call that misses its deadline doubles the next one, up to this. A call that is slow
    /// rather than lost (a Range of 64 envelopes of 1 MiB on a loaded machine) therefore still completes, where one
    /// fixed short deadline would retry it forever.
    /// </summary>
    public TimeSpan MaxCallTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Longest wait between reads when Watch (only a wake-up) says nothing.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}
