using System.Reflection;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace MedLedger.Server.Tests.CrossCutting;

/// <summary>
/// The problem statuses a handler's own code can answer, read from the compiled server (and crypto) assemblies: every
/// method reachable from the handler — async state machines, lambdas, local functions, and every implementation of an
/// interface or virtual method it calls — is searched for <c>ProblemException</c> constructions (their status is the
/// constant passed first), <c>Results.Problem(statusCode: …)</c>, the crypto exceptions the problem handler maps
/// (format 400, integrity 422) and optimistic-concurrency updates (a <c>ConcurrencyStamp</c> write can end in 409).
/// It over-approximates (every branch counts); failures the pipeline adds around the handler (authorization, binding,
/// body size, rate limiting) are not in the handler's code and are not reported here.
/// </summary>
internal sealed class ProblemStatusScan : IDisposable
{
    private const string ProblemExceptionType = "MedLedger.Server.Infrastructure.Errors.ProblemException";
    private static readonly Dictionary<string, int> MappedExceptions = new(StringComparer.Ordinal)
    {
        ["MedLedger.Crypto.CryptoFormatException"] = 400,
        ["MedLedger.Crypto.CryptoIntegrityException"] = 422,
    };

    private readonly Dictionary<string, ModuleDefinition> _modules;
    private readonly Dictionary<MethodDefinition, IReadOnlySet<int>> _cache = [];
    private List<(TypeDefinition Type, HashSet<string> Supertypes)>? _types;

    public ProblemStatusScan(params Assembly[] assemblies)
    {
        _modules = assemblies.ToDictionary(a => a.GetName().Name!, a => ModuleDefinition.ReadModule(a.Location), StringComparer.Ordinal);
    }

    public void Dispose()
    {
        foreach (var m in _modules.Values)
        {
            m.Dispose();
        }
    }

    public IReadOnlySet<int> StatusesReachableFrom(MethodInfo handler)
    {
        if (!_modules.TryGetValue(handler.Module.Assembly.GetName().Name!, out var module))
        {
            throw new ArgumentException($"{handler.DeclaringType}.{handler.Name} is not in a scanned assembly.", nameof(handler));
        }
        var start = (MethodDefinition)module.LookupToken(handler.MetadataToken);
        if (_cache.TryGetValue(start, out var cached))
        {
            return cached;
        }
        var statuses = new SortedSet<int>();
        var seen = new HashSet<MethodDefinition>();
        var queue = new Queue<MethodDefinition>([start]);
        while (queue.TryDequeue(out var method))
        {
            if (!seen.Add(method))
            {
                continue;
            }
            foreach (var next in Callees(method, statuses))
            {
                queue.Enqueue(next);
            }
        }
        _cache[start] = statuses;
        return statuses;
    }

    private IEnumerable<MethodDefinition> Callees(MethodDefinition method, SortedSet<int> statuses)
    {
        // An async or iterator method's body only starts its state machine; the code is in MoveNext.
        foreach (var a in method.CustomAttributes.Where(a => a.AttributeType.Name is "AsyncStateMachineAttribute" or "IteratorStateMachineAttribute" or "AsyncIteratorStateMachineAttribute"))
        {
            if (a.ConstructorArguments[0].Value is TypeReference sm && sm.Resolve()?.Methods.FirstOrDefault(m => m.Name == "MoveNext") is { } moveNext)
            {
                yield return moveNext;
            }
        }
        if (!method.HasBody)
        {
            foreach (var impl in Implementations(method))
            {
                yield return impl;
            }
            yield break;
        }
        foreach (var ins in method.Body.Instructions)
        {
            if (ins.Operand is not MethodReference callee)
            {
                continue;
            }
            var declaring = callee.DeclaringType.GetElementType().FullName;
            if (declaring == ProblemExceptionType && callee.Name == ".ctor" && callee.Parameters.Count > 0 && callee.Parameters[0].ParameterType.FullName == "System.Int32")
            {
                statuses.Add(StatusBefore(ins, requireTypeString: true)
                    ?? throw new InvalidOperationException($"{method.FullName}: a ProblemException status that is not a constant."));
            }
            else if (ins.OpCode == OpCodes.Newobj && MappedExceptions.TryGetValue(declaring, out var mapped))
            {
                statuses.Add(mapped);
            }
            else if (callee.Name == "set_ConcurrencyStamp")
            {
                statuses.Add(409);
            }
            else if (declaring is "Microsoft.AspNetCore.Http.Results" or "Microsoft.AspNetCore.Http.TypedResults" && callee.Name is "Problem" or "ValidationProblem")
            {
                statuses.Add(StatusBefore(ins, requireTypeString: false) ?? (callee.Name == "ValidationProblem" ? 400 : 500));
            }
            if (Resolve(callee) is { } target)
            {
                yield return target;
                if (target.IsVirtual && ins.OpCode == OpCodes.Callvirt)
                {
                    foreach (var impl in Implementations(target))
                    {
                        yield return impl;
                    }
                }
            }
        }
    }

    /// <summary>The status constant pushed for the call at <paramref name="at"/> (the nearest 4xx/5xx literal before it).</summary>
    private static int? StatusBefore(Instruction at, bool requireTypeString)
    {
        var i = at.Previous;
        for (var n = 0; i is not null && n < 60; n++, i = i.Previous)
        {
            if (i.OpCode == OpCodes.Ldc_I4 && i.Operand is int v and >= 400 and < 600 && (!requireTypeString || i.Next.OpCode == OpCodes.Ldstr))
            {
                return v;
            }
        }
        return null;
    }

    private MethodDefinition? Resolve(MethodReference callee)
    {
        var scope = callee.DeclaringType.Scope switch
        {
            ModuleDefinition m => m.Assembly.Name.Name,
            AssemblyNameReference a => a.Name,
            _ => null,
        };
        if (scope is null || !_modules.TryGetValue(scope, out var module))
        {
            return null;
        }
        var type = module.GetType(callee.DeclaringType.GetElementType().FullName);
        var element = callee.GetElementMethod();
        var candidates = type?.Methods.Where(m => m.Name == element.Name && m.Parameters.Count == element.Parameters.Count).ToList() ?? [];
        return candidates.Count == 1 ? candidates[0]
            : candidates.FirstOrDefault(m => m.Parameters.Select(p => p.ParameterType.FullName).SequenceEqual(element.Parameters.Select(p => p.ParameterType.FullName)))
              ?? candidates.FirstOrDefault();
    }

    /// <summary>Every method in the scanned assemblies that may run for a call to <paramref name="method"/> (interface or virtual).</summary>
    private IEnumerable<MethodDefinition> Implementations(MethodDefinition method)
    {
        var declaring = method.DeclaringType.FullName;
        _types ??= [.. _modules.Values.SelectMany(m => m.GetTypes()).Where(t => t.IsClass && !t.IsAbstract).Select(t => (t, Supertypes(t)))];
        foreach (var (type, _) in _types.Where(t => t.Supertypes.Contains(declaring)))
        {
            foreach (var m in type.Methods.Where(m => m.HasBody && m.Parameters.Count == method.Parameters.Count
                && (m.Name == method.Name || m.Overrides.Any(o => o.Name == method.Name && o.DeclaringType.FullName == declaring))))
            {
                yield return m;
            }
        }
    }

    private static HashSet<string> Supertypes(TypeDefinition type)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var t = type; t is not null; t = SafeResolve(t.BaseType))
        {
            foreach (var i in t.Interfaces)
            {
                names.Add(i.InterfaceType.GetElementType().FullName);
            }
            if (t.BaseType is { } b)
            {
                names.Add(b.GetElementType().FullName);
            }
        }
        return names;
    }

    private static TypeDefinition? SafeResolve(TypeReference? t)
    {
        try
        {
            return t?.Resolve();
        }
        catch (AssemblyResolutionException)
        {
            return null;
        }
    }
}
