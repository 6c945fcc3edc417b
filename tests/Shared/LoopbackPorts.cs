using System.Net;
using System.Net.Sockets;

namespace MedLedger.Testing;

/// <summary>
/// Loopback ports for servers a test starts later (often much later: a member launched after a CLI run). A port found by
/// binding to port 0 comes from the kernel's ephemeral range, where between the check and the server's own bind another
/// test's server (bound to port 0 the same way) or any outgoing connection can take it, and a test then talks to someone
/// else's server. These come from below that range and are never handed out twice in one test process (the projects run
/// one at a time).
/// </summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> s_handedOut = [];
    private static readonly Lock s_lock = new();
    private static readonly (int First, int Last) s_window = Window();

    /// <summary>One free port.</summary>
    public static int Reserve() => Reserve(1);

    /// <summary>The first of <paramref name="count"/> consecutive free ports (an even number), and the ports at <paramref name="alsoFree"/> offsets past it free too.</summary>
    public static int Reserve(int count, params int[] alsoFree)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var span = Math.Max(count, alsoFree.Length == 0 ? 0 : alsoFree.Max() + 1);
        lock (s_lock)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var start = Random.Shared.Next(s_window.First, s_window.Last - span) & ~1;
                var ports = Enumerable.Range(start, count).Concat(alsoFree.Select(o => start + o)).ToList();
                if (!ports.Any(s_handedOut.Contains) && ports.All(IsFree))
                {
                    s_handedOut.UnionWith(ports);
                    return start;
                }
            }
        }
        throw new InvalidOperationException($"no {count} consecutive free loopback ports in {s_window.First}–{s_window.Last}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Below the ephemeral range (32768–60999 on Debian), or above it if that leaves too little room below.</summary>
    private static (int, int) Window()
    {
        var (low, high) = (32768, 60999);
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            (low, high) = (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or unreadable: assume the usual range.
        }
        return low - 1 >= 15000 ? (11000, low - 1) : (high + 1, 65000);
    }
}
