using BenchmarkDotNet.Running;

// Micro benchmarks (BenchmarkDotNet) are picked by the switcher: dotnet run -c Release -- --filter '*Merkle*'.
// Macro runs (load over loopback, ledger throughput) are classes implementing IMacroBenchmark: dotnet run -c Release -- macro <name>.
if (args.Length >= 1 && args[0] == "macro")
{
    return await MedLedger.Bench.MacroRunner.RunAsync(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
