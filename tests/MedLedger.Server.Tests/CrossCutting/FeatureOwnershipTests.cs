using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace MedLedger.Server.Tests.CrossCutting;

/// <summary>
/// Architecture rule (docs/architecture.md, "Adding a feature"): a feature writes only its own tables and reads other
/// features' data through their services, never through their entity types. Checked on the compiled server assembly:
/// every type reference in every signature and method body (including lambdas, LINQ expression trees and async state
/// machines) is resolved to the feature that owns it.
/// </summary>
public sealed class FeatureOwnershipTests
{
    private const string FeaturePrefix = "MedLedger.Server.Features.";

    [Fact]
    public void No_feature_uses_another_features_entity_types()
    {
        var violations = OwnershipViolations(typeof(MedLedgerDbContext).Assembly.Location, EntityOwners());
        Assert.True(violations.Count == 0, "Features using other features' entities (ask the owner's service instead):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Every_persisted_entity_belongs_to_exactly_one_feature()
    {
        var owners = EntityOwners();
        Assert.NotEmpty(owners);
        Assert.All(owners, o => Assert.False(string.IsNullOrEmpty(o.Value), $"{o.Key} is persisted but lives outside Features/<Feature> and Infrastructure/."));
        // The check above is only meaningful if it knows the entities the features are built on.
        Assert.Contains("MedLedger.Server.Features.Accounts.UserAccount", owners.Keys);
        Assert.Contains("MedLedger.Server.Features.Records.RecordVersion", owners.Keys);
    }

    [Fact]
    public void The_ownership_scan_sees_entity_use_in_query_lambdas_and_generic_arguments()
    {
        // The scan must catch the ways features used to reach into each other's tables: db.Set<T>(), DbSet
        // properties and entity members in LINQ expression trees. This test assembly does each on purpose.
        var owners = new Dictionary<string, string>(EntityOwners(), StringComparer.Ordinal);
        var fake = typeof(FeatureOwnershipTests).FullName!;
        var violations = OwnershipViolations(typeof(FeatureOwnershipTests).Assembly.Location, owners, t => t.StartsWith(fake, StringComparison.Ordinal) ? "Probe" : null);
        Assert.Contains(violations, v => v.Contains("Probe uses Records.MedicalRecord", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("Probe uses Accounts.UserAccount", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("Probe uses Consent.ConsentGrant", StringComparison.Ordinal));
    }

    /// <summary>Deliberate cross-feature reads for the scan's own test; never called.</summary>
    private static IQueryable<Guid> Probe(MedLedgerDbContext db) =>
        db.Set<MedLedger.Server.Features.Records.MedicalRecord>().Where(r => r.PatientId != Guid.Empty).Select(r => r.Id)
            .Concat(db.Users.Where(u => u.Email != "").Select(u => u.Id))
            .Concat(db.Set<MedLedger.Server.Features.Consent.ConsentGrant>().Select(g => g.Id));

    /// <summary>Entity CLR type full name → owning feature, from the EF model itself (no database needed).</summary>
    private static Dictionary<string, string> EntityOwners()
    {
        var options = new DbContextOptionsBuilder<SqliteMedLedgerDbContext>().UseSqlite("Data Source=:memory:").Options;
        using var db = new SqliteMedLedgerDbContext(options);
        return db.Model.GetEntityTypes().Select(e => e.ClrType).Distinct()
            .ToDictionary(t => t.FullName!, t => FeatureOf(t.Namespace) ?? InfrastructureOwner(t.Namespace), StringComparer.Ordinal);
    }

    /// <summary>Rows of shared infrastructure (the database blob store) belong to it; features use its interface instead.</summary>
    private static string InfrastructureOwner(string? ns) =>
        ns is not null && ns.StartsWith("MedLedger.Server.Infrastructure.", StringComparison.Ordinal) ? "Infrastructure" : "";

    private static string? FeatureOf(string? ns) =>
        ns is not null && ns.StartsWith(FeaturePrefix, StringComparison.Ordinal) ? ns[FeaturePrefix.Length..].Split('.')[0] : null;

    private static List<string> OwnershipViolations(string assemblyPath, IReadOnlyDictionary<string, string> owners, Func<string, string?>? featureOverride = null)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in module.GetTypes())
        {
            var outer = type;
            while (outer.DeclaringType is not null)
            {
                outer = outer.DeclaringType;
            }
            var feature = featureOverride?.Invoke(outer.FullName) ?? FeatureOf(outer.Namespace);
            if (feature is null)
            {
                continue;
            }
            foreach (var used in ReferencedTypes(type))
            {
                if (owners.TryGetValue(used, out var owner) && owner != feature)
                {
                    found.Add($"{outer.FullName}: {feature} uses {owner}.{used[(used.LastIndexOf('.') + 1)..]}");
                }
            }
        }
        return [.. found];
    }

    private static IEnumerable<string> ReferencedTypes(TypeDefinition type)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null:
                    return;
                case GenericInstanceType g:
                    Add(g.ElementType);
                    foreach (var a in g.GenericArguments)
                    {
                        Add(a);
                    }
                    return;
                case TypeSpecification s:
                    Add(s.ElementType);
                    return;
                default:
                    names.Add(t.FullName.Replace('/', '+'));
                    return;
            }
        }
        void AddMethod(MethodReference m)
        {
            Add(m.DeclaringType);
            Add(m.ReturnType);
            foreach (var p in m.Parameters)
            {
                Add(p.ParameterType);
            }
            if (m is GenericInstanceMethod gm)
            {
                foreach (var a in gm.GenericArguments)
                {
                    Add(a);
                }
            }
        }
        Add(type.BaseType);
        foreach (var i in type.Interfaces)
        {
            Add(i.InterfaceType);
        }
        foreach (var f in type.Fields)
        {
            Add(f.FieldType);
        }
        foreach (var p in type.Properties)
        {
            Add(p.PropertyType);
        }
        foreach (var m in type.Methods)
        {
            AddMethod(m);
            if (!m.HasBody)
            {
                continue;
            }
            foreach (var v in m.Body.Variables)
            {
                Add(v.VariableType);
            }
            foreach (var ins in m.Body.Instructions)
            {
                switch (ins.Operand)
                {
                    case TypeReference t:
                        Add(t);
                        break;
                    case MethodReference mr:
                        AddMethod(mr);
                        break;
                    case FieldReference fr:
                        Add(fr.DeclaringType);
                        Add(fr.FieldType);
                        break;
                }
            }
        }
        return names;
    }
}
