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
    /// <summary>Deadline of one etcd call before the next member is tried.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Longest wait between reads when Watch (only a wake-up) says nothing.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}
