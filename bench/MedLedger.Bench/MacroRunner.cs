using System.Reflection;

namespace MedLedger.Bench;

/// <summary>A whole-system measurement that prints its own figures (throughput, latency percentiles).</summary>
public interface IMacroBenchmark
{
    string Name { get; }
    Task RunAsync(string[] args);
}

public static class MacroRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var all = typeof(MacroRunner).Assembly.GetTypes()
            .Where(t => typeof(IMacroBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IMacroBenchmark)Activator.CreateInstance(t)!)
            .ToList();
        if (args.Length == 0 || all.All(b => b.Name != args[0]))
        {
            Console.WriteLine("macro benchmarks: " + string.Join(", ", all.Select(b => b.Name)));
            return args.Length == 0 ? 0 : 1;
        }
        try
        {
            await all.First(b => b.Name == args[0]).RunAsync(args[1..]);
        }
        catch (ArgumentException e)
        {
            // A mistyped option: say which, without a stack trace.
            Console.Error.WriteLine($"{args[0]}: {e.Message}");
            return 2;
        }
        return 0;
    }
}
