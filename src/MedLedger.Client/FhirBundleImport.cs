using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Serialization;
using MedLedger.Crypto;
using ModelInfo = Hl7.Fhir.Model.ModelInfo;
using Resource = Hl7.Fhir.Model.Resource;
using FhirBundleModel = Hl7.Fhir.Model.Bundle;

namespace MedLedger.Client;

/// <summary>The bundle was refused before anything was uploaded (malformed, not a bundle, dangling reference, too large).</summary>
public sealed class FhirBundleImportException(string message) : Exception(message);

/// <summary>A clinical resource of a bundle that becomes one record (category = its resource type).</summary>
/// <param name="ContentHash">SHA-256 (hex) of the resource as written in the bundle (compact JSON): the idempotency key.</param>
/// <param name="EncounterFullUrl">The in-bundle Encounter this resource belongs to, if any.</param>
public sealed record FhirBundleResource(int Index, string FullUrl, string ResourceType, JsonObject Resource, string ContentHash, string? EncounterFullUrl);

/// <summary>An entry that does not become a record, and why.</summary>
public sealed record SkippedFhirResource(int Index, string ResourceType, string Reason);

public enum FhirImportOutcome
{
    Imported,
    AlreadyImported,
}

public sealed record ImportedFhirResource(string ResourceType, string FullUrl, Guid RecordId, Guid? EncounterRecordId, FhirImportOutcome Outcome);

public sealed record FhirImportProgress(int Done, int Total, ImportedFhirResource Last);

public sealed record FhirImportReport(string Source, IReadOnlyList<ImportedFhirResource> Resources, IReadOnlyList<SkippedFhirResource> Skipped)
{
    public int Imported => Resources.Count(r => r.Outcome == FhirImportOutcome.Imported);
    public int AlreadyImported => Resources.Count(r => r.Outcome == FhirImportOutcome.AlreadyImported);
}

/// <summary>
/// A FHIR R4 transaction or collection bundle, parsed and checked on this device before anything is uploaded:
/// every known resource strictly parsed by Firely, unknown or unsupported types set aside with a reason, every
/// in-bundle reference resolved (a dangling one refuses the whole bundle). docs/import.md has the mapping.
/// </summary>
public sealed class FhirBundleImport
{
    public const long MaxBundleBytes = 50L * 1024 * 1024;

    /// <summary>The resource types that become records; each is its own record category.</summary>
    public static IReadOnlyList<string> RecordTypes { get; } =
    [
        "Encounter", "Condition", "Observation", "Procedure", "MedicationRequest", "Immunization", "AllergyIntolerance",
        "DiagnosticReport", "CarePlan", "DocumentReference", "Claim", "Coverage", "Appointment", "Consent",
    ];

    private static readonly HashSet<string> RecordTypeSet = new(RecordTypes, StringComparer.Ordinal);

    // Entries that are not records on purpose; anything else known to FHIR but not listed above has no record category.
    private static readonly Dictionary<string, string> NotRecords = new(StringComparer.Ordinal)
    {
        ["Patient"] = "the patient is the account holder: names and birth date belong in the sealed profile (My profile); references to it point to the account",
        ["Practitioner"] = "a directory entry, not a clinical record; references to it are kept as written",
        ["PractitionerRole"] = "a directory entry, not a clinical record; references to it are kept as written",
        ["Organization"] = "a directory entry, not a clinical record; references to it are kept as written",
        ["Location"] = "a directory entry, not a clinical record; references to it are kept as written",
        ["Provenance"] = "describes the export, not the patient's care",
        ["Bundle"] = "nested bundles are not imported; import them as files of their own",
    };

    public string Source { get; }
    public string BundleType { get; }
    public IReadOnlyList<FhirBundleResource> Records { get; }
    public IReadOnlyList<SkippedFhirResource> Skipped { get; }

    /// <summary>The bundle's Patient resource when it has exactly one (never uploaded as a record).</summary>
    public JsonObject? PatientResource { get; private init; }

    /// <summary>
    /// What the bundle's Patient says for the sealed profile (name, birth date, sex, phone), or null without exactly one
    /// Patient or without a name and birth date. The caller seals it on the device (<c>SetMyProfileAsync</c>); it is
    /// never part of the import's records.
    /// </summary>
    public PatientProfile? ProfileFromPatient()
    {
        if (PatientResource is not { } p)
        {
            return null;
        }
        var names = p["name"] as JsonArray ?? [];
        var name = names.OfType<JsonObject>().FirstOrDefault(n => (string?)n["use"] == "official") ?? names.OfType<JsonObject>().FirstOrDefault();
        var text = name?["text"]?.GetValue<string>()
            ?? string.Join(' ', (name?["given"] as JsonArray ?? []).Select(g => g?.GetValue<string>()).Append(name?["family"]?.GetValue<string>()).Where(x => !string.IsNullOrWhiteSpace(x)));
        var birthDate = p["birthDate"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(text) || birthDate is null)
        {
            return null;
        }
        var phone = (p["telecom"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(t => (string?)t["system"] == "phone")?["value"]?.GetValue<string>();
        return new PatientProfile(text, birthDate, p["gender"]?.GetValue<string>() ?? "unknown", phone ?? "");
    }

    /// <summary>Full URLs of the bundle's Patient entries: references to them are mapped to the importing patient.</summary>
    public IReadOnlySet<string> PatientFullUrls { get; }

    private readonly Dictionary<string, (int Index, string Type)> _byFullUrl;
    private readonly Dictionary<string, string> _byTypeAndId;

    private FhirBundleImport(string source, string type, IReadOnlyList<FhirBundleResource> records, IReadOnlyList<SkippedFhirResource> skipped, IReadOnlySet<string> patients,
        Dictionary<string, (int Index, string Type)> byFullUrl, Dictionary<string, string> byTypeAndId)
    {
        _byFullUrl = byFullUrl;
        _byTypeAndId = byTypeAndId;
        Source = source;
        BundleType = type;
        Records = records;
        Skipped = skipped;
        PatientFullUrls = patients;
    }

    /// <summary>Reads a bundle file; one over <see cref="MaxBundleBytes"/> is refused before it is read.</summary>
    public static FhirBundleImport ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FhirBundleImportException($"{path} does not exist.");
        }
        CheckSize(info.Length, path);
        return Parse(File.ReadAllBytes(path), path);
    }

    private static void CheckSize(long length, string source)
    {
        if (length > MaxBundleBytes)
        {
            throw new FhirBundleImportException(
                $"{source} is {length / (1024.0 * 1024):0.0} MiB; bundles are limited to {MaxBundleBytes / (1024 * 1024)} MiB. Split the export (one bundle per patient or per year) and import the parts.");
        }
    }

    public static FhirBundleImport Parse(byte[] utf8, string source)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        CheckSize(utf8.Length, source);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException e)
        {
            throw new FhirBundleImportException($"{source} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}");
        }
        if (root is not JsonObject bundle)
        {
            throw new FhirBundleImportException($"{source} is not a FHIR resource: its JSON is not an object.");
        }
        var rootType = Str(bundle, "resourceType");
        if (rootType != "Bundle")
        {
            throw new FhirBundleImportException(rootType is null
                ? $"{source} has no resourceType: not a FHIR resource."
                : $"{source} is a FHIR {rootType}, not a Bundle; import single resources with `records add`.");
        }
        var type = Str(bundle, "type");
        if (type is not ("transaction" or "collection"))
        {
            throw new FhirBundleImportException($"{source} is a '{type ?? "(no type)"}' bundle; only transaction and collection bundles (as EHRs export them) are imported.");
        }
        // The envelope is checked strictly without its entries; each entry is checked on its own below, so an unknown
        // resource type can be set aside instead of failing the whole bundle.
        var entries = bundle["entry"] as JsonArray ?? (bundle["entry"] is null ? [] : throw new FhirBundleImportException($"{source}: Bundle.entry is not an array."));
        var envelope = (JsonObject)bundle.DeepClone();
        envelope.Remove("entry");
        StrictParse(envelope.ToJsonString(), $"{source}: the Bundle");

        var parsed = new List<(int Index, string FullUrl, string Type, JsonObject Resource)>();
        var skipped = new List<SkippedFhirResource>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not JsonObject entry || entry["resource"] is not JsonObject resource)
            {
                throw new FhirBundleImportException($"{source}: entry {i} has no resource.");
            }
            var resourceType = Str(resource, "resourceType") ?? throw new FhirBundleImportException($"{source}: entry {i} has a resource without resourceType.");
            if (!ModelInfo.IsKnownResource(resourceType))
            {
                skipped.Add(new SkippedFhirResource(i, resourceType, "not a FHIR R4 resource type"));
                continue;
            }
            StrictParse(resource.ToJsonString(), $"{source}: entry {i} ({resourceType})");
            var id = Str(resource, "id");
            var fullUrl = Str(entry, "fullUrl") ?? (id is null ? $"#entry-{i}" : $"{resourceType}/{id}");
            parsed.Add((i, fullUrl, resourceType, resource));
        }

        var byFullUrl = new Dictionary<string, (int Index, string Type)>(StringComparer.Ordinal);
        var byTypeAndId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in parsed)
        {
            if (!byFullUrl.TryAdd(p.FullUrl, (p.Index, p.Type)))
            {
                throw new FhirBundleImportException($"{source}: entries {byFullUrl[p.FullUrl].Index} and {p.Index} share the fullUrl {p.FullUrl}.");
            }
            if (Str(p.Resource, "id") is { } id)
            {
                byTypeAndId.TryAdd($"{p.Type}/{id}", p.FullUrl);
            }
        }
        // Unknown types were set aside, but a reference to one still resolves (it is kept as written).
        var unknownIds = new HashSet<string>(entries.OfType<JsonObject>().Select(e => Str(e, "fullUrl")).OfType<string>(), StringComparer.Ordinal);

        var dangling = new List<string>();
        var records = new List<FhirBundleResource>();
        foreach (var p in parsed)
        {
            foreach (var reference in References(p.Resource))
            {
                if (Resolve(reference, p.Resource, byFullUrl, byTypeAndId) is null && !IsExternal(reference) && !unknownIds.Contains(reference))
                {
                    dangling.Add($"entry {p.Index} ({p.Type}) → {reference}");
                }
            }
            if (!RecordTypeSet.Contains(p.Type))
            {
                skipped.Add(new SkippedFhirResource(p.Index, p.Type, NotRecords.GetValueOrDefault(p.Type)
                    ?? $"no MedLedger record category for {p.Type}; references to it are kept as written"));
                continue;
            }
            var encounter = EncounterReference(p.Resource) is { } encRef
                && Resolve(encRef, p.Resource, byFullUrl, byTypeAndId) is { } encUrl
                && byFullUrl.TryGetValue(encUrl, out var target) && target.Type == "Encounter" ? encUrl : null;
            var compact = p.Resource.ToJsonString();
            records.Add(new FhirBundleResource(p.Index, p.FullUrl, p.Type, p.Resource, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(compact))), encounter));
        }
        if (dangling.Count > 0)
        {
            throw new FhirBundleImportException($"{source} has {dangling.Count} dangling reference(s) (nothing was imported): {string.Join("; ", dangling.Take(10))}{(dangling.Count > 10 ? "; …" : "")}");
        }
        var patientEntries = parsed.Where(p => p.Type == "Patient").ToList();
        var patients = patientEntries.Select(p => p.FullUrl).ToHashSet(StringComparer.Ordinal);
        // Encounters first: a resumed import always has the head of a group before its members.
        var ordered = records.OrderBy(r => r.ResourceType == "Encounter" ? 0 : 1).ThenBy(r => r.Index).ToList();
        return new FhirBundleImport(source, type, ordered, skipped.OrderBy(s => s.Index).ToList(), patients, byFullUrl, byTypeAndId)
        {
            PatientResource = patientEntries.Count == 1 ? patientEntries[0].Resource : null,
        };
    }

    /// <summary>
    /// The record content for <paramref name="resource"/>: the resource as in the bundle, with each reference to another
    /// imported entry rewritten to <c>urn:uuid:&lt;its record id&gt;</c> and each reference to the bundle's Patient to
    /// <c>Patient/&lt;the importing patient's id&gt;</c>. Contained, conditional, external and skipped-entry references stay as written.
    /// </summary>
    public string RecordContent(FhirBundleResource resource, IReadOnlyDictionary<string, Guid> recordIdByFullUrl, Guid patientId)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(recordIdByFullUrl);
        var copy = (JsonObject)resource.Resource.DeepClone();
        Rewrite(copy, reference =>
        {
            var target = reference.StartsWith('#') ? null : Resolve(reference, copy, _byFullUrl, _byTypeAndId);
            if (target is null)
            {
                return reference;
            }
            if (PatientFullUrls.Contains(target))
            {
                return $"Patient/{patientId}";
            }
            return recordIdByFullUrl.TryGetValue(target, out var recordId) ? $"urn:uuid:{recordId}" : reference;
        });
        return copy.ToJsonString();
    }

    private static void StrictParse(string json, string what)
    {
        try
        {
            // The default deserializer settings are strict: unknown elements, wrong cardinality or types fail.
            _ = new FhirJsonDeserializer().Deserialize<Resource>(json);
        }
        catch (Exception e) when (e is FormatException or DeserializationFailedException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw new FhirBundleImportException($"{what} is not valid FHIR R4 (nothing was imported): {e.Message}");
        }
    }

    private static string? Str(JsonObject o, string name) =>
        o.TryGetPropertyValue(name, out var v) && v is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    private static IEnumerable<string> References(JsonNode? node)
    {
        var found = new List<string>();
        Rewrite(node, r =>
        {
            found.Add(r);
            return r;
        });
        return found;
    }

    // Reference.reference is the only FHIR R4 element named "reference"; every occurrence is visited.
    private static void Rewrite(JsonNode? node, Func<string, string> map)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    if (name == "reference" && child is JsonValue v && v.TryGetValue<string>(out var s))
                    {
                        var mapped = map(s);
                        if (!string.Equals(mapped, s, StringComparison.Ordinal))
                        {
                            o[name] = mapped;
                        }
                    }
                    else
                    {
                        Rewrite(child, map);
                    }
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Rewrite(child, map);
                }
                break;
        }
    }

    /// <summary>
    /// The fullUrl a reference points to inside the bundle, or null. A contained reference (#id) resolves to the
    /// resource itself when the id is among its contained resources.
    /// </summary>
    private static string? Resolve(string reference, JsonObject resource, Dictionary<string, (int Index, string Type)> byFullUrl, Dictionary<string, string> byTypeAndId)
    {
        if (reference.StartsWith('#'))
        {
            var id = reference[1..];
            var contained = resource["contained"] as JsonArray ?? [];
            return id.Length == 0 || contained.OfType<JsonObject>().Any(c => Str(c, "id") == id) ? "#" + id : null;
        }
        if (byFullUrl.ContainsKey(reference))
        {
            return reference;
        }
        var relative = reference.Split("/_history/")[0];
        return byTypeAndId.GetValueOrDefault(relative)
            ?? byFullUrl.Keys.FirstOrDefault(u => u.EndsWith("/" + relative, StringComparison.Ordinal) && (u.StartsWith("http://", StringComparison.Ordinal) || u.StartsWith("https://", StringComparison.Ordinal)));
    }

    /// <summary>Conditional references (Practitioner?identifier=…) and absolute URLs name things outside the bundle: kept as written.</summary>
    private static bool IsExternal(string reference) =>
        reference.Contains('?', StringComparison.Ordinal) || reference.StartsWith("http://", StringComparison.Ordinal) || reference.StartsWith("https://", StringComparison.Ordinal);

    private static string? EncounterReference(JsonObject resource) =>
        (resource["encounter"] as JsonObject is { } e ? Str(e, "reference") : null)
        ?? (resource["context"] is JsonObject context && context["encounter"] is JsonArray encounters && encounters.FirstOrDefault() is JsonObject first ? Str(first, "reference") : null)
        ?? (resource["item"] is JsonArray items ? items.OfType<JsonObject>().SelectMany(i => i["encounter"] as JsonArray ?? []).OfType<JsonObject>().Select(r => Str(r, "reference")).FirstOrDefault(r => r is not null) : null);
}

/// <summary>
/// What this device has imported for one patient, kept next to the CLI session (never on the server): per resource
/// content hash, the record id it was given and whether its upload completed. Record ids are assigned and saved
/// before the first upload, so a resumed import writes the same ids and references between records stay right.
/// </summary>
public sealed class FhirImportState
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public sealed record Entry(Guid RecordId, string ResourceType, bool Uploaded);

    private sealed record Stored(int Version, Guid PatientId, Dictionary<string, Entry> Resources);

    public string Path { get; }
    public Guid PatientId { get; }
    private readonly Dictionary<string, Entry> _resources;

    private FhirImportState(string path, Guid patientId, Dictionary<string, Entry> resources)
    {
        Path = path;
        PatientId = patientId;
        _resources = resources;
    }

    public IReadOnlyDictionary<string, Entry> Resources => _resources;

    public static FhirImportState Load(string path, Guid patientId)
    {
        if (!File.Exists(path))
        {
            return new FhirImportState(path, patientId, new Dictionary<string, Entry>(StringComparer.Ordinal));
        }
        Stored? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new FhirBundleImportException($"The import state file {path} is not readable ({e.Message}); move it away to start over (a re-import then writes new copies).");
        }
        if (stored is null || stored.Version != 1 || stored.PatientId != patientId)
        {
            throw new FhirBundleImportException($"The import state file {path} belongs to another account or format; pass another --state file.");
        }
        return new FhirImportState(path, patientId, new Dictionary<string, Entry>(stored.Resources, StringComparer.Ordinal));
    }

    internal Entry Plan(string hash, string resourceType)
    {
        if (!_resources.TryGetValue(hash, out var entry))
        {
            entry = new Entry(Guid.NewGuid(), resourceType, false);
            _resources[hash] = entry;
        }
        return entry;
    }

    internal void MarkUploaded(string hash) => _resources[hash] = _resources[hash] with { Uploaded = true };

    /// <summary>Written to a temporary file and renamed over the old one, so an interruption never leaves half a file.</summary>
    public void Save()
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(dir);
        var temp = Path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new Stored(1, PatientId, _resources), Json));
        if (!OperatingSystem.IsWindows())
        {
            // Resource hashes and record ids are the patient's business: owner-only, like the session file.
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temp, Path, overwrite: true);
    }
}

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Seals and uploads each clinical resource of <paramref name="bundle"/> as its own record, as the signed-in patient.
    /// Record ids are planned (and saved in <paramref name="state"/>) before the first upload; after each upload the state
    /// is saved again, so a re-run skips what is done and an interrupted run continues where it stopped.
    /// </summary>
    /// <summary>How many resources of a bundle are uploaded at once (docs/benchmarks.md "FHIR import").</summary>
    public const int ImportParallelism = 4;

    public async Task<FhirImportReport> ImportFhirBundleAsync(FhirBundleImport bundle, FhirImportState state, Action<FhirImportProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(state);
        if (Tokens?.User.Role != Role.Patient)
        {
            throw new InvalidOperationException("A bundle is imported by the patient it belongs to: sign in as the patient.");
        }
        if (state.PatientId != UserId)
        {
            throw new FhirBundleImportException($"The import state file {state.Path} belongs to another account.");
        }
        var plan = bundle.Records.Select(r => (Resource: r, Entry: state.Plan(r.ContentHash, r.ResourceType))).ToList();
        var idByFullUrl = plan.ToDictionary(p => p.Resource.FullUrl, p => p.Entry.RecordId, StringComparer.Ordinal);
        // Every content is built and checked before the first upload: a resource that fails after mapping changes nothing.
        var contents = plan.Select(p =>
        {
            var json = bundle.RecordContent(p.Resource, idByFullUrl, UserId);
            ValidateFhir(json);
            return Encoding.UTF8.GetBytes(json);
        }).ToList();
        state.Save();

        // A few uploads in flight at once: each is sealed and signed here, then anchored by its own ledger transaction, so
        // the round trips overlap. Ids were planned above, so the order of completion does not matter; the state file is
        // saved after each completion (under a lock), which keeps an interrupted run resumable. Cancelling stops starting
        // uploads and lets those in flight finish and be recorded (the browser does the same): an aborted request may
        // already have reached the server and land after the call returned, so "cancelled" would not mean "nothing more".
        var done = new ImportedFhirResource[plan.Count];
        var completed = 0;
        var stateLock = new object();
        await Parallel.ForEachAsync(Enumerable.Range(0, plan.Count), new ParallelOptions { MaxDegreeOfParallelism = ImportParallelism, CancellationToken = ct }, async (i, _) =>
        {
            var (resource, entry) = plan[i];
            var outcome = FhirImportOutcome.AlreadyImported;
            bool uploaded;
            lock (stateLock)
            {
                uploaded = state.Resources[resource.ContentHash].Uploaded;
            }
            if (!uploaded)
            {
                outcome = await UploadImportedAsync(entry.RecordId, resource.ResourceType, contents[i], CancellationToken.None);
                lock (stateLock)
                {
                    state.MarkUploaded(resource.ContentHash);
                    state.Save();
                }
            }
            var encounter = resource.EncounterFullUrl is { } e ? idByFullUrl[e] : (Guid?)null;
            var imported = new ImportedFhirResource(resource.ResourceType, resource.FullUrl, entry.RecordId, encounter, outcome);
            done[i] = imported;
            lock (stateLock)
            {
                // Under the lock, so a progress callback (a console bar) is never called from two threads at once.
                progress?.Invoke(new FhirImportProgress(++completed, plan.Count, imported));
            }
        });
        return new FhirImportReport(bundle.Source, done, bundle.Skipped);
    }

    /// <summary>
    /// Writes version 1 of a planned record. When the server already holds it (the previous run stopped after the upload
    /// but before the state was saved), the version there is opened and counted as imported only if it is this content.
    /// </summary>
    private async Task<FhirImportOutcome> UploadImportedAsync(Guid recordId, string category, byte[] content, CancellationToken ct)
    {
        try
        {
            await WriteVersionAsync(recordId, 1, UserId, category, "application/fhir+json", content, ct);
            return FhirImportOutcome.Imported;
        }
        catch (MedLedgerApiException e) when (e.Status == System.Net.HttpStatusCode.Conflict)
        {
            var existing = await OpenRecordAsync(recordId, 1, ct);
            if (existing.AuthorId == UserId && existing.Category == category && existing.Content.AsSpan().SequenceEqual(content))
            {
                return FhirImportOutcome.AlreadyImported;
            }
            throw;
        }
    }
}
