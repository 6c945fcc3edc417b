using System.CommandLine;

namespace MedLedger.Cli.Commands;

/// <summary>Feature verbs (records, consent, care, hospitals…) register here.</summary>
public static class ClientCommands
{
    public static IEnumerable<Command> All()
    {
        yield break;
    }
}
