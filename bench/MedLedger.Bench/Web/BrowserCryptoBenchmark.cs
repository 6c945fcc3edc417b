using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using ClientRole = MedLedger.Client.Role;

using static MedLedger.Bench.Macro.MacroKit;

namespace MedLedger.Bench.Web;

/// <summary>
/// dotnet bench/MedLedger.Bench/bin/Release/net10.0/MedLedger.Bench.dll macro browser-crypto [--iterations N] [--web-root DIR]
/// The browser app's cryptography (web/src/crypto, web/src/ledger: WebCrypto) timed inside headless Debian
/// Chromium with performance.now(), on the test page /crypto-check.html served by the real server
/// (in-process, loopback Kestrel, SQLite in a temp folder). Then the app's load: JS/CSS bytes of the
/// build and the time to the first render of /login in fresh browser contexts.
/// </summary>
public sealed class BrowserCryptoBenchmark : IMacroBenchmark
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Operations faster than this are timed in batches: outside a cross-origin-isolated page Chromium coarsens performance.now() to 100 µs.</summary>
    private const double MinSampleMs = 2.0;

    private const int InclusionTreeSize = 1_000_000;
    private const int InclusionIndex = 765_431;
    private const int LoadContexts = 10;
    private const int EarlierRegistrations = 22;

    public string Name => "browser-crypto";

    public async Task RunAsync(string[] args)
    {
        var iterations = int.Parse(Arg(args, "--iterations") ?? "30", CultureInfo.InvariantCulture);
        var slowIterations = Math.Max(3, iterations / 3);
        var webRoot = Path.GetFullPath(Arg(args, "--web-root") ?? Path.Combine(RepoRoot(), "web", "dist"));
        if (!File.Exists(Path.Combine(webRoot, "crypto-check.html")))
        {
            throw new InvalidOperationException($"{webRoot} has no crypto-check.html: build the web app (npx vite build --outDir <dir>) and pass --web-root <dir>.");
        }
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing (Debian's chromium package); this benchmark never downloads a browser.");
        }

        var dir = Path.Combine(Path.GetTempPath(), "medledger-bench-browser-" + Guid.NewGuid().ToString("N")[..8]);
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        try
        {
            var app = await BenchServer.StartAsync(dir, baseAddress, new Dictionary<string, string?> { ["Web:Root"] = webRoot });
            await using (app)
            {
                // A real receipt: the key registration of a fresh patient, exactly as the server sent it.
                var real = await RegistrationReceiptAsync(baseAddress);
                var inclusion = SyntheticInclusion();

                using var playwright = await Playwright.CreateAsync();
                await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = ChromiumPath,
                    Headless = true,
                    // Same flags as tests/MedLedger.Web.Tests/BrowserWorld.cs (closed network, container).
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
                });

                await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString() });
                var page = await context.NewPageAsync();
                await page.GotoAsync("/crypto-check.html");
                await page.WaitForFunctionAsync("() => document.getElementById('status')?.textContent === 'ready'");
                var env = await page.EvaluateAsync<JsonElement>(
                    "() => { let d = Infinity, p = performance.now(); for (let i = 0; i < 200000; i++) { const q = performance.now(); if (q > p) { d = Math.min(d, q - p); p = q; } } " +
                    "return { isolated: globalThis.crossOriginIsolated === true, tick: d, ua: navigator.userAgent }; }");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"browser-crypto: {Environment.ProcessorCount} cores, load average {LoadAverage()}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Chromium {browser.Version} (headless, {ChromiumPath}), crossOriginIsolated={env.GetProperty("isolated").GetBoolean()}, performance.now() step {env.GetProperty("tick").GetDouble() * 1000:F0} µs; server in-process on {baseAddress}, web root {webRoot}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"iterations: {iterations} samples per operation ({slowIterations} for password derivation and createVault), after warm-up; operations under {MinSampleMs} ms are timed in batches (one sample = mean of a batch)"));
                Console.WriteLine();

                var common = new Dictionary<string, object?>
                {
                    ["receipt"] = real.Json,
                    ["peerKey"] = real.PeerKey,
                    ["leaf"] = Convert.ToBase64String(inclusion.Leaf),
                    ["root"] = Convert.ToBase64String(inclusion.Root),
                    ["proof"] = inclusion.Proof.Select(Convert.ToBase64String).ToArray(),
                    ["index"] = InclusionIndex,
                    ["size"] = InclusionTreeSize,
                };
                Console.WriteLine("| operation | input | samples × batch | median | p95 | ops/s (median) |");
                Console.WriteLine("|---|---|---:|---:|---:|---:|");
                foreach (var op in Operations())
                {
                    var n = op.Slow ? slowIterations : iterations;
                    var args2 = new Dictionary<string, object?>(common)
                    {
                        ["n"] = n,
                        ["warmup"] = op.Slow ? 1 : 3,
                        ["minBatchMs"] = MinSampleMs,
                        ["bytes"] = op.Bytes,
                        ["readers"] = op.Readers,
                    };
                    var result = await page.EvaluateAsync<JsonElement>(Harness(op), args2);
                    var samples = result.GetProperty("samples").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
                    var batch = result.GetProperty("batch").GetInt32();
                    var median = Percentile(samples, 0.5);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {op.Name} | {op.Input} | {samples.Length} × {batch} | {Duration(median)} | {Duration(Percentile(samples, 0.95))} | {1000 / median:N0} |"));
                }
                Console.WriteLine();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"verifyReceipt: the key-registration receipt of a patient registered through the C# SDK on this server (log of {real.TreeSize} entries, inclusion proof of {real.ProofLength} hashes), the server's JSON as received."));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"verifyInclusion: synthetic log of {InclusionTreeSize:N0} leaves (leaf i = SHA-256(0x00 || int64 i)), index {InclusionIndex:N0}, proof of {inclusion.Proof.Count} hashes built by MedLedger.Ledger.Rfc6962 in {inclusion.BuildSeconds:F1} s; a proof for index+1 is checked to fail."));
                Console.WriteLine();

                await AppLoadAsync(browser, baseAddress, webRoot);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>One timed operation: setup runs once (JS: async (a) => object), body runs per iteration (JS statements; x = setup result, i = iteration).</summary>
    private sealed record Op(string Name, string Input, string Setup, string Body, bool Slow = false, int Bytes = 0, int Readers = 0);

    private static IEnumerable<Op> Operations()
    {
        const string Pw = "'correct horse battery staple'";
        yield return new Op("derivePasswordKeys (PBKDF2-SHA256 600,000 + HKDF)", "password", "async (a) => ({ p: c.newPasswordParameters(600000) })",
            $"const k = await c.derivePasswordKeys({Pw}, x.p); if (k.authKey.length !== 32) throw new Error('authKey');", Slow: true);
        yield return new Op("createVault (2 key pairs, PBKDF2 600,000, 2 wraps)", "password", "async (a) => ({})",
            $"const v = await c.createVault(crypto.randomUUID(), {Pw}); if (!v.recoveryCode) throw new Error('vault');", Slow: true);
        yield return new Op("sign (ECDSA P-256)", "1 KiB", "async (a) => ({ k: await c.generateKeyPair(), m: c.randomBytes(1024) })",
            "await c.sign(x.k.privateKey, x.m);");
        yield return new Op("verify (ECDSA P-256)", "1 KiB",
            "async (a) => { const k = await c.generateKeyPair(), m = c.randomBytes(1024); return { k, m, s: await c.sign(k.privateKey, m) }; }",
            "if (!(await c.verify(x.k.publicKey, x.m, x.s))) throw new Error('verify');");
        const string HpkeSetup = "async (a) => { const k = await c.generateKeyPair(), info = c.utf8('medledger/bench'), aad = new Uint8Array(0), key = c.randomBytes(32); " +
                                 "return { k, info, aad, key, sealed: await c.hpkeSealBase(k.publicKey, info, aad, key) }; }";
        yield return new Op("hpkeSealBase (one key wrap)", "32 B key", HpkeSetup, "await c.hpkeSealBase(x.k.publicKey, x.info, x.aad, x.key);");
        yield return new Op("hpkeOpenBase (one key unwrap)", "32 B key", HpkeSetup,
            "const k = await c.hpkeOpenBase(x.k.privateKey, x.sealed.enc, x.info, x.aad, x.sealed.ciphertext); if (k.length !== 32) throw new Error('open');");
        const string SealSetup = "async (a) => { const author = await c.generateKeyPair(); const readers = []; for (let r = 0; r < a.readers; r++) readers.push(await c.generateKeyPair()); " +
                                 "const header = { recordId: crypto.randomUUID(), version: 1, patientId: crypto.randomUUID(), authorId: crypto.randomUUID(), contentType: 'application/pdf', createdAt: Date.now() }; " +
                                 "const pt = c.randomBytes(a.bytes); const sealed = await c.sealRecord(header, pt, author.privateKey, readers.map((r) => r.publicKey)); " +
                                 "return { author, readers, header, pt, env: sealed.envelope }; }";
        foreach (var (bytes, label) in new[] { (1024, "1 KiB"), (1024 * 1024, "1 MiB") })
        {
            foreach (var readers in new[] { 1, 2, 10 })
            {
                yield return new Op("sealRecord", $"{label}, {readers} reader{(readers == 1 ? "" : "s")}", SealSetup,
                    "const s = await c.sealRecord(x.header, x.pt, x.author.privateKey, x.readers.map((r) => r.publicKey)); if (s.envelope.wraps.length !== a.readers) throw new Error('seal');",
                    Bytes: bytes, Readers: readers);
            }
        }
        foreach (var (bytes, label) in new[] { (1024, "1 KiB"), (1024 * 1024, "1 MiB") })
        {
            yield return new Op("openRecord (signature, unwrap, commitment, decrypt)", $"{label}, 2 readers", SealSetup,
                "const r = await c.openRecord(x.env, x.author.publicKey, x.readers[1]); if (r.plaintext.length !== a.bytes) throw new Error('open');",
                Bytes: bytes, Readers: 2);
        }
        yield return new Op("verifyReceipt (server key-registration receipt)", "real receipt",
            "async (a) => ({ r: JSON.parse(a.receipt), pk: c.fromBase64(a.peerKey) })",
            "const e = await l.verifyReceipt(x.r, x.pk); if (e !== null) throw new Error(e);");
        yield return new Op("verifyInclusion", "1,000,000 leaves",
            "async (a) => { const x = { leaf: c.fromBase64(a.leaf), root: c.fromBase64(a.root), proof: a.proof.map((p) => c.fromBase64(p)) }; " +
            "if (await l.verifyInclusion(x.leaf, a.index + 1, a.size, x.proof, x.root)) throw new Error('a proof for another index verified'); return x; }",
            "if (!(await l.verifyInclusion(x.leaf, a.index, a.size, x.proof, x.root))) throw new Error('inclusion');");
    }

    /// <summary>
    /// The in-page timing loop: warm-up, one calibration call to pick a batch size (so each sample spans at least
    /// minBatchMs on the coarse clock), then n samples. Every call checks its own result.
    /// </summary>
    private static string Harness(Op op) => $$"""
        async (a) => {
          const c = window.medledger.crypto, l = window.medledger.ledger;
          const x = await ({{op.Setup}})(a);
          const run = async (i) => { {{op.Body}} };
          for (let i = 0; i < a.warmup; i++) await run(i);
          const t0 = performance.now();
          await run(0);
          const one = Math.max(performance.now() - t0, 0.001);
          const batch = Math.max(1, Math.min(2000, Math.ceil(a.minBatchMs / one)));
          const samples = [];
          for (let s = 0; s < a.n; s++) {
            const t = performance.now();
            for (let k = 0; k < batch; k++) await run(k);
            samples.push((performance.now() - t) / batch);
          }
          return { batch, samples };
        }
        """;

    /// <summary>Bytes of the build and the first render of /login in fresh browser contexts (empty HTTP cache each).</summary>
    private static async Task AppLoadAsync(IBrowser browser, Uri baseAddress, string webRoot)
    {
        var assets = Directory.EnumerateFiles(webRoot, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".js", StringComparison.Ordinal) || f.EndsWith(".css", StringComparison.Ordinal))
            .Select(f => (Path: Path.GetRelativePath(webRoot, f), Raw: new FileInfo(f).Length, Gzip: GzipLength(f)))
            .OrderBy(a => a.Path, StringComparer.Ordinal)
            .ToList();

        // Instruments every context before any page script: when the "Sign in" button enters the DOM, and the frame after (painted).
        const string Observer = """
            (() => {
              const found = () => Array.from(document.querySelectorAll('button')).some((b) => b.textContent.trim() === 'Sign in');
              const mo = new MutationObserver(() => {
                if (window.__benchSignInDom !== undefined || !found()) return;
                window.__benchSignInDom = performance.now();
                mo.disconnect();
                requestAnimationFrame(() => { const ch = new MessageChannel(); ch.port1.onmessage = () => { window.__benchSignInPaint = performance.now(); }; ch.port2.postMessage(0); });
              });
              mo.observe(document, { childList: true, subtree: true });
            })();
            """;
        const string Timing = """
            () => {
              const n = performance.getEntriesByType('navigation')[0];
              const fcp = performance.getEntriesByName('first-contentful-paint')[0];
              const res = performance.getEntriesByType('resource');
              return { ttfb: n.responseStart, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd || n.loadEventStart, fcp: fcp ? fcp.startTime : -1,
                       dom: window.__benchSignInDom ?? -1, paint: window.__benchSignInPaint ?? -1,
                       bytes: n.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
                       urls: res.map((r) => new URL(r.name).pathname) };
            }
            """;
        var rows = new List<JsonElement>();
        // One unmeasured load first: the server's first static-file requests pay JIT, which no user sees twice.
        for (var run = -1; run < LoadContexts; run++)
        {
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            await context.AddInitScriptAsync(Observer);
            var page = await context.NewPageAsync();
            await page.GotoAsync("/login", new PageGotoOptions { WaitUntil = WaitUntilState.Load });
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).WaitForAsync(new() { State = WaitForSelectorState.Visible });
            await page.WaitForFunctionAsync("() => window.__benchSignInPaint !== undefined");
            var t = await page.EvaluateAsync<JsonElement>(Timing);
            if (run >= 0)
            {
                rows.Add(t);
            }
        }

        var loaded = rows[0].GetProperty("urls").EnumerateArray().Select(u => u.GetString()!.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
        Console.WriteLine("App build (JS and CSS of the web root; the server sends them uncompressed, gzip is what a compressing proxy would send):");
        Console.WriteLine();
        Console.WriteLine("| file | raw bytes | gzip bytes | loaded by /login |");
        Console.WriteLine("|---|---:|---:|---|");
        foreach (var a in assets)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {a.Path} | {a.Raw:N0} | {a.Gzip:N0} | {(loaded.Contains(a.Path.Replace('\\', '/')) ? "yes" : "no")} |"));
        }
        var login = assets.Where(a => loaded.Contains(a.Path.Replace('\\', '/'))).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| **all JS+CSS** | {assets.Sum(a => a.Raw):N0} | {assets.Sum(a => a.Gzip):N0} | |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| **what /login loads** | {login.Sum(a => a.Raw):N0} | {login.Sum(a => a.Gzip):N0} | |"));
        Console.WriteLine();
        double Mean(string p) => rows.Average(r => r.GetProperty(p).GetDouble());
        double Max(string p) => rows.Max(r => r.GetProperty(p).GetDouble());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"/login first render, {LoadContexts} fresh browser contexts (empty cache, same browser process, loopback server), ms after navigation start, mean (max):"));
        Console.WriteLine();
        Console.WriteLine("| first byte | DOMContentLoaded | first contentful paint | load | \"Sign in\" in DOM | \"Sign in\" painted (next frame) | bytes over the wire |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {Mean("ttfb"):F1} ({Max("ttfb"):F1}) | {Mean("dcl"):F1} ({Max("dcl"):F1}) | {Mean("fcp"):F1} ({Max("fcp"):F1}) | {Mean("load"):F1} ({Max("load"):F1}) | {Mean("dom"):F1} ({Max("dom"):F1}) | {Mean("paint"):F1} ({Max("paint"):F1}) | {Mean("bytes"):N0} |"));
    }

    private static long GzipLength(string file)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        using (var input = File.OpenRead(file))
        {
            input.CopyTo(gz);
        }
        return output.Length;
    }

    private sealed record Inclusion(byte[] Leaf, byte[] Root, IReadOnlyList<byte[]> Proof, double BuildSeconds);

    private sealed record RealReceipt(string Json, string PeerKey, long TreeSize, int ProofLength);

    /// <summary>An RFC 6962 inclusion proof in a synthetic 1,000,000-leaf log (a real log that size is hours of ledger commits).</summary>
    private static Inclusion SyntheticInclusion()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var leaves = new List<byte[]>(InclusionTreeSize);
        for (long i = 0; i < InclusionTreeSize; i++)
        {
            leaves.Add(Rfc6962.LeafHash(BitConverter.GetBytes(i)));
        }
        var root = Rfc6962.RootHash(leaves);
        var proof = Rfc6962.InclusionProof(leaves, InclusionIndex, InclusionTreeSize);
        if (!Rfc6962.VerifyInclusion(InclusionIndex, InclusionTreeSize, leaves[InclusionIndex], proof, root))
        {
            throw new InvalidOperationException("The synthetic inclusion proof does not verify in C#.");
        }
        return new Inclusion(leaves[InclusionIndex], root, proof, sw.Elapsed.TotalSeconds);
    }

    /// <summary>Registers patients through the C# SDK (which verifies each receipt) and keeps the last server response body verbatim.</summary>
    private static async Task<RealReceipt> RegistrationReceiptAsync(Uri baseAddress)
    {
        // Earlier sign-ups first, so the receipt's head covers a log of several entries and its inclusion proof is not empty.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < EarlierRegistrations / 2; i++)
            {
                using var other = new MedLedgerClient(new HttpClient { BaseAddress = baseAddress }, ownsHttp: true);
                await other.RegisterWithDevOutboxAsync($"bench-{Guid.NewGuid():N}@bench.example.org", "pass phrase " + Guid.NewGuid().ToString("N")[..8], ClientRole.Patient);
            }
        })));
        var capture = new CapturingHandler();
        using (var client = new MedLedgerClient(new HttpClient(capture) { BaseAddress = baseAddress }, ownsHttp: true))
        {
            await client.RegisterWithDevOutboxAsync($"bench-{Guid.NewGuid():N}@bench.example.org", "pass phrase " + Guid.NewGuid().ToString("N")[..8], ClientRole.Patient);
        }
        using var doc = JsonDocument.Parse(capture.RegisterBody ?? throw new InvalidOperationException("No register response captured."));
        var receipt = doc.RootElement.GetProperty("keyRegistrationReceipt");
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var peer = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/ledger/peer", UriKind.Relative)));
        return new RealReceipt(receipt.GetRawText(), peer.RootElement.GetProperty("publicKey").GetString()!,
            receipt.GetProperty("head").GetProperty("treeSize").GetInt64(), receipt.GetProperty("inclusionProof").GetArrayLength());
    }

    private sealed class CapturingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public string? RegisterBody { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var res = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath == "/api/auth/register/confirm")
            {
                await res.Content.LoadIntoBufferAsync(cancellationToken);
                RegisterBody = await res.Content.ReadAsStringAsync(cancellationToken);
            }
            return res;
        }
    }

    private static string Duration(double ms) => ms >= 1
        ? ms.ToString("F2", CultureInfo.InvariantCulture) + " ms"
        : (ms * 1000).ToString("F0", CultureInfo.InvariantCulture) + " µs";

    /// <summary>`--name value` or `--name=value`.</summary>
    private static string? Arg(string[] args, string name)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length)
            {
                return args[i + 1];
            }
            if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }
        return null;
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "MedLedger.slnx")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("MedLedger.slnx not found above " + AppContext.BaseDirectory + "; pass --web-root.");
    }
}
