using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>The register-keys contract with one extra state write: what a member running altered code computes.</summary>
internal sealed class ExtraKeyRegisterKeys : ILedgerContract
{
    private readonly RegisterKeysContract _genuine = new();

    public string Type => _genuine.Type;

    public LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) => _genuine.Authorize(tx, state, context);

    public LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context) => _genuine.Validate(tx, state, context);

    public void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        _genuine.Apply(tx, state, context);
        state.Put("altered/" + tx.Id, "1");
    }

    public IEnumerable<string> Subjects(LedgerTransaction tx) => _genuine.Subjects(tx);
}
