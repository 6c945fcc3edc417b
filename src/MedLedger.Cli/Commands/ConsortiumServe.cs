using System.CommandLine;
using MedLedger.Server.Features.Ledger;

namespace MedLedger.Cli.Commands;

/// <summary>
/// `serve --consortium`: one organisation's peer on the consortium's shared ledger. The shared file is copied into the
/// data folder (so `ledger verify --data` knows every member's key) and the peer key into &lt;data&gt;/peer.key; a data
/// folder that belongs to one peer is never started as another, nor with the embedded orderer.
/// </summary>
internal sealed class ConsortiumServe
{
    public const string FileName = "consortium.json";
    public const string PeerFileName = "consortium-peer";

    private ConsortiumServe(ConsortiumFile file, ConsortiumMember member, Dictionary<string, string?> settings)
    {
        File = file;
        Member = member;
        Settings = settings;
    }

    public ConsortiumFile File { get; }
    public ConsortiumMember Member { get; }
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <exception cref="ConsortiumFileException">Anything missing or inconsistent, said plainly.</exception>
    public static ConsortiumServe Prepare(string consortiumPath, string? peerId, string? peerKeyPath, string? etcdCert, string? etcdKey, string dataDir, bool joining = false)
    {
        var missing = new[] { ("--peer", peerId), ("--peer-key", peerKeyPath), ("--etcd-cert", etcdCert), ("--etcd-key", etcdKey) }
            .Where(o => string.IsNullOrEmpty(o.Item2)).Select(o => o.Item1).ToList();
        if (missing.Count > 0)
        {
            throw new ConsortiumFileException($"--consortium needs {string.Join(", ", missing)}");
        }
        var file = ConsortiumFile.Load(consortiumPath);
        var key = ConsortiumFile.ReadPeerKey(peerKeyPath!);
        var settings = file.SettingsFor(peerId!, key, etcdCert!, etcdKey!, joining);
        Directory.CreateDirectory(dataDir);
        var peerFile = Path.Combine(dataDir, PeerFileName);
        if (System.IO.File.Exists(peerFile) && System.IO.File.ReadAllText(peerFile).Trim() != peerId)
        {
            throw new ConsortiumFileException($"{dataDir} is the database of peer '{System.IO.File.ReadAllText(peerFile).Trim()}', not '{peerId}'");
        }
        var keyFile = Path.Combine(dataDir, "peer.key");
        if (System.IO.File.Exists(keyFile) && !System.IO.File.ReadAllBytes(keyFile).AsSpan().SequenceEqual(key))
        {
            throw new ConsortiumFileException($"{keyFile} holds a different peer key than {peerKeyPath}; this data folder belongs to another peer");
        }
        if (!System.IO.File.Exists(keyFile))
        {
            if (System.IO.File.Exists(Path.Combine(dataDir, "medledger.db")))
            {
                throw new ConsortiumFileException($"{dataDir} already holds a database without this peer's key; a consortium peer starts on an empty data folder");
            }
            System.IO.File.WriteAllBytes(keyFile, key);
            if (!OperatingSystem.IsWindows())
            {
                System.IO.File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        System.IO.File.WriteAllText(peerFile, peerId);
        System.IO.File.Copy(Path.GetFullPath(consortiumPath), Path.Combine(dataDir, FileName), overwrite: true);
        // A peer admitted after genesis is not in the file: the ledger it replays says whether it is a member.
        var member = file.Find(peerId!) ?? new ConsortiumMember(peerId!, MedLedger.Ledger.LedgerCrypto.PublicKeyFromPrivate(key), "(admitted after genesis)", "");
        return new ConsortiumServe(file, member, settings);
    }

    /// <summary>Every member's key and this folder's peer id, when <paramref name="dataDir"/> is a consortium member's; else null.</summary>
    public static (Dictionary<string, byte[]> Keys, string PeerId)? ReadBack(string dataDir)
    {
        var peerFile = Path.Combine(dataDir, PeerFileName);
        var file = Path.Combine(dataDir, FileName);
        if (!System.IO.File.Exists(peerFile) || !System.IO.File.Exists(file))
        {
            return null;
        }
        // The CA file may have moved since; only the members matter here.
        var members = ConsortiumFile.Parse(System.IO.File.ReadAllText(file), dataDir, requireCaFile: false).PeerKeys();
        var peerId = System.IO.File.ReadAllText(peerFile).Trim();
        var keyFile = Path.Combine(dataDir, "peer.key");
        if (!members.ContainsKey(peerId) && System.IO.File.Exists(keyFile))
        {
            // A peer admitted after genesis: its own key is not in the file (the ledger's approvals name it).
            members[peerId] = MedLedger.Ledger.LedgerCrypto.PublicKeyFromPrivate(System.IO.File.ReadAllBytes(keyFile));
        }
        return (members, peerId);
    }

    /// <summary>Refuses to run a consortium member's data folder without --consortium (embedded ordering would fork it).</summary>
    public static void RefuseEmbedded(string dataDir, string? ordering)
    {
        var peerFile = Path.Combine(dataDir, PeerFileName);
        if (System.IO.File.Exists(peerFile) && ordering != LedgerHostOptions.EtcdOrdering)
        {
            throw new ConsortiumFileException(
                $"{dataDir} is consortium peer '{System.IO.File.ReadAllText(peerFile).Trim()}''s database: start it with `medledger serve --consortium <file> --peer ... --peer-key ... --etcd-cert ... --etcd-key ...` (an embedded orderer would fork the shared ledger)");
        }
    }
}

/// <summary>The options that make a command act as one consortium member (serve, admin create): the same five everywhere.</summary>
internal sealed class ConsortiumServeOptions
{
    public Option<string?> File { get; } = new("--consortium") { Description = "Consortium file (docs/ledger.md \"Running a consortium\"): act as this organisation's peer on the shared etcd-ordered ledger; needs --peer, --peer-key, --etcd-cert, --etcd-key" };
    public Option<string?> Peer { get; } = new("--peer") { Description = "With --consortium: this organisation's peer id in the file" };
    public Option<string?> PeerKey { get; } = new("--peer-key") { Description = "With --consortium: this peer's private ledger key (PEM EC P-256, or 32 raw bytes); copied to <data>/peer.key once" };
    public Option<string?> EtcdCert { get; } = new("--etcd-cert") { Description = "With --consortium: this peer's etcd client certificate (PEM, CN = peer id)" };
    public Option<string?> EtcdKey { get; } = new("--etcd-key") { Description = "With --consortium: the etcd client certificate's key (PEM, PKCS#8)" };

    public void AddTo(Command command)
    {
        command.Options.Add(File);
        command.Options.Add(Peer);
        command.Options.Add(PeerKey);
        command.Options.Add(EtcdCert);
        command.Options.Add(EtcdKey);
    }

    /// <summary>The member this command acts as, or null without --consortium.</summary>
    /// <exception cref="ConsortiumFileException">Anything missing or inconsistent, said plainly.</exception>
    /// <param name="joining">With --join: the peer may be one admitted after genesis (not in the file).</param>
    public ConsortiumServe? Prepare(ParseResult parsed, string dataDir, bool joining = false) =>
        parsed.GetValue(File) is { } path
            ? ConsortiumServe.Prepare(path, parsed.GetValue(Peer), parsed.GetValue(PeerKey), parsed.GetValue(EtcdCert), parsed.GetValue(EtcdKey), dataDir, joining)
            : null;
}
