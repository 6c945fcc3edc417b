using System.Net;
using System.Net.Sockets;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// `medledger serve` started from the folder that holds its data (the usual `serve --data ./data`): the host reads its
/// settings files once and watches nothing, so a write to the database or the blob folder does not come back to the
/// process as file events (MedLedgerServer.HostArgs; the session-35 profile in docs/benchmarks.md).
/// </summary>
public sealed class ServeHostCliTests
{
    [Fact]
    public async Task A_running_server_holds_no_file_watch_on_its_data_folder()
    {
        var root = Path.Combine(Path.GetTempPath(), "medledger-host-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var port = MedLedger.Testing.LoopbackPorts.Reserve();
        var url = $"http://127.0.0.1:{port}";
        // The working directory is the content root: the data folder sits under it, as it does for `serve --data ./data`.
        using var server = CliBinary.Start(["serve", "--data", Path.Combine(root, "data"), "--urls", url], workingDirectory: root);
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                Assert.False(server.HasExited, "serve exited before it answered");
                Assert.True(DateTime.UtcNow < deadline, "serve did not answer /health within 2 minutes");
                try
                {
                    if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                await Task.Delay(200);
            }
            // By now the server has migrated its database and committed the ledger's genesis in the data folder.
            var descriptors = Directory.GetFiles($"/proc/{server.Id}/fd")
                .Select(fd => { try { return new FileInfo(fd).LinkTarget ?? ""; } catch (IOException) { return ""; } })
                .ToList();
            Assert.NotEmpty(descriptors);
            Assert.Contains(descriptors, d => d.EndsWith("medledger.db", StringComparison.Ordinal));
            Assert.DoesNotContain(descriptors, d => d.Contains("inotify", StringComparison.Ordinal));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }
}
