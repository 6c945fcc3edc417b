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
        catch (MacroUsageException e)
        {
            // A mistyped option: say which, without a stack trace. Only this type: an ArgumentException from the code
            // under measurement is a bug and keeps its stack trace.
            Console.Error.WriteLine($"{args[0]}: {e.Message}");
            return 2;
        }
        return 0;
    }
}

/// <summary>A macro benchmark's option that cannot be used as given; the runner prints the message and exits with 2.</summary>
public sealed class MacroUsageException(string message) : Exception(message);
