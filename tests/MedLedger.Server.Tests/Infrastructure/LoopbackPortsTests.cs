using System.Net;
using System.Net.Sockets;
using MedLedger.Testing;

namespace MedLedger.Server.Tests.Infrastructure;

/// <summary>The ports tests give servers they start later: bindable, outside the kernel's ephemeral range, never twice.</summary>
public sealed class LoopbackPortsTests
{
    [Fact]
    public void Ports_are_never_handed_out_twice_lie_outside_the_ephemeral_range_and_can_be_bound()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var singles = Enumerable.Range(0, 300).Select(_ => LoopbackPorts.Reserve()).ToList();
        var runs = Enumerable.Range(0, 20).Select(_ => LoopbackPorts.Reserve(6, 100)).ToList();
        var all = singles.Concat(runs.SelectMany(s => Enumerable.Range(s, 6).Append(s + 100))).ToList();

        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, p => Assert.True(p < range[0] || p > range[1], $"{p} is in the ephemeral range {range[0]}–{range[1]}"));
        Assert.All(runs, s => Assert.Equal(0, s % 2));
        foreach (var p in singles.Take(20))
        {
            using var l = new TcpListener(IPAddress.Loopback, p);
            l.Start();
        }
    }
}
