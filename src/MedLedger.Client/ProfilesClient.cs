using System.Globalization;
using System.Net;
using MedLedger.Crypto;

namespace MedLedger.Client;

// Sealed patient profiles (web/src/sdk/profiles.ts): name, birth date, sex and phone, sealed and signed on the patient's
// device and wrapped for exactly the parties the patient deals with (docs/crypto-format.md section 14).

public sealed record ProfileWrapDto(Guid ReaderId, string RecipientKeyId, byte[] Enc, byte[] WrappedKey);

/// <summary>A sealed profile as the server serves it, with the caller's own wrap.</summary>
public sealed record SharedProfile(Guid PatientId, long Version, byte[] Nonce, byte[] Ciphertext, byte[] Signature, DateTimeOffset UpdatedAt, ProfileWrapDto Wrap);

public enum ProfileRelation { Self, Grantee, AssignedDoctor, HospitalStaff, BookedDoctor }

/// <summary>A party the server says may be wrapped the caller's profile (checked by <see cref="MedLedgerClient.ProfileRecipientsAsync"/> before any wrap).</summary>
public sealed record ProfileParty(Guid UserId, Role Role, ProfileRelation Relation, Guid? HospitalId, byte[] EncryptionPublicKey, byte[] SigningPublicKey, bool Wrapped);

/// <summary>A patient's opened profile, checked: signed by the patient's ledger-registered key and about the patient asked for.</summary>
public sealed record OpenedProfile(Guid PatientId, long Version, PatientProfile Profile)
{
    /// <summary>"Maria Keller, 54" (the age as of today, when the birth date parses).</summary>
    public string Label => PatientProfiles.AgeOn(Profile.BirthDate, DateOnly.FromDateTime(DateTime.UtcNow)) is { } age
        ? $"{Profile.Name}, {age.ToString(CultureInfo.InvariantCulture)}" : Profile.Name;

    /// <summary>The name and age when a profile is wrapped for the viewer, else "Patient a831262f" (the short id).</summary>
    public static string LabelOf(Guid patientId, IReadOnlyDictionary<Guid, OpenedProfile>? profiles) =>
        profiles is not null && profiles.TryGetValue(patientId, out var p) ? p.Label : $"Patient {patientId.ToString()[..8]}";
}

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Patient: seal and sign a new version of the profile under a fresh key and wrap it for every checked party
    /// (<see cref="ProfileRecipientsAsync"/>). A party no longer related is simply not wrapped: they cannot read this
    /// version or later ones (what they read before, they may have kept).
    /// </summary>
    public async Task<OpenedProfile> SetMyProfileAsync(PatientProfile profile, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var current = await MyProfileAsync(ct);
        var version = (current?.Version ?? 0) + 1;
        var (sealedProfile, key) = PatientProfiles.Seal(UserId.ToString(), version, profile, keys.Signing.PrivateKey);
        var wraps = (await ProfileRecipientsAsync(ct)).Select(r => Wrap(r.UserId, r.EncryptionPublicKey, version, key)).ToList();
        await SendAsync<SharedProfile>(HttpMethod.Put, "/api/profiles/mine",
            new { version, nonce = sealedProfile.Nonce, ciphertext = sealedProfile.Ciphertext, signature = sealedProfile.Signature, wraps }, authorize: true, ct);
        return new OpenedProfile(UserId, version, profile);
    }

    /// <summary>Patient: the own profile (opened with the own wrap), or null when none is set yet.</summary>
    public async Task<OpenedProfile?> MyProfileAsync(CancellationToken ct = default) => await PatientProfileAsync(UserId, ct);

    /// <summary>
    /// Patient: wrap the current profile version for checked parties who lack a wrap (a grant, registration or booking
    /// made since, a doctor assigned while the patient was offline). Returns how many were added; 0 without a profile.
    /// </summary>
    public async Task<int> ShareProfileWithNewPartiesAsync(CancellationToken ct = default)
    {
        var mine = await SharedProfileAsync(UserId, ct);
        if (mine is null)
        {
            return 0;
        }
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var key = PatientProfiles.UnwrapKey(ToSealedSecret(mine.Wrap), keys.Encryption, UserId.ToString(), mine.Version);
        var missing = (await ProfileRecipientsAsync(ct)).Where(r => !r.Wrapped).ToList();
        if (missing.Count == 0)
        {
            return 0;
        }
        var wraps = missing.Select(r => Wrap(r.UserId, r.EncryptionPublicKey, mine.Version, key)).ToList();
        await SendAsync<object>(HttpMethod.Post, "/api/profiles/mine/wraps", new { version = mine.Version, wraps }, authorize: true, ct);
        return wraps.Count;
    }

    /// <summary>
    /// After a grant, registration or booking: wrap the profile for the new party. The relation already stands, so a
    /// refusal or a failed check here must not turn its success into an exception; the party stays unwrapped
    /// (<see cref="ProfileParty.Wrapped"/> false) and the next call of <see cref="ShareProfileWithNewPartiesAsync"/> retries.
    /// </summary>
    private async Task ShareProfileAfterNewRelationAsync(CancellationToken ct)
    {
        try
        {
            await ShareProfileWithNewPartiesAsync(ct);
        }
        catch (Exception e) when (e is MedLedgerApiException or MedLedgerVerificationException)
        {
            // Deliberately not rethrown: see above.
        }
    }

    /// <summary>
    /// The one place this client decides who gets the patient's profile: the patient; professionals with an active
    /// grant from the patient; doctors assigned to the patient; verified staff of a hospital the patient registered or
    /// holds a bed with. The server proposes the parties; each is kept only if the patient's own lists confirm the
    /// relation and their card is admin-verified with the keys the ledger registered (staff: of that hospital).
    /// Doctors the patient has a booked (arrived, in-progress) appointment with, by the patient's own appointment list.
    /// Pharmacies and insurers add their relation here when their modules exist.
    /// </summary>
    public async Task<IReadOnlyList<ProfileParty>> ProfileRecipientsAsync(CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var parties = await SendAsync<IReadOnlyList<ProfileParty>>(HttpMethod.Get, "/api/profiles/mine/parties", null, authorize: true, ct);
        var grantees = (await GrantsAsync(ct)).Where(g => g.Active && g.PatientId == UserId).Select(g => g.GranteeId).ToHashSet();
        var doctors = (await AssignmentsAsync(ct)).Where(a => a.PatientId == UserId).Select(a => a.DoctorId).ToHashSet();
        var hospitals = (await MyHospitalRegistrationsAsync(ct)).Select(r => r.HospitalId)
            .Concat((await MyBedBookingsAsync(null, ct)).Where(b => b.Status is BedBookingStatus.Held or BedBookingStatus.Admitted).Select(b => b.HospitalId))
            .ToHashSet();
        var booked = (await AppointmentsAsync(ct: ct)).Where(a => a.PatientId == UserId && a.Status is AppointmentStatus.Booked or AppointmentStatus.Arrived or AppointmentStatus.InProgress)
            .Select(a => a.DoctorId).ToHashSet();
        var result = new List<ProfileParty>
        {
            // Self: always, with the keys this device holds (not the server's copy).
            new(UserId, Role.Patient, ProfileRelation.Self, null, keys.Encryption.PublicKey, keys.Signing.PublicKey,
                parties.FirstOrDefault(p => p.UserId == UserId)?.Wrapped ?? false),
        };
        foreach (var p in parties.Where(p => p.UserId != UserId))
        {
            var related = p.Relation switch
            {
                ProfileRelation.Grantee => grantees.Contains(p.UserId),
                ProfileRelation.AssignedDoctor => doctors.Contains(p.UserId),
                ProfileRelation.HospitalStaff => p.HospitalId is { } h && hospitals.Contains(h),
                ProfileRelation.BookedDoctor => booked.Contains(p.UserId),
                _ => false,
            };
            if (!related)
            {
                continue;
            }
            CheckedIdentityCard card;
            try
            {
                card = await IdentityCardAsync(p.UserId, ct);
            }
            catch (MedLedgerVerificationException)
            {
                // Keys not the ledger's: skipped, never wrapped for (the browser lists it as skipped with this reason).
                continue;
            }
            if (!card.Verified || !card.Card.EncryptionPublicKey.AsSpan().SequenceEqual(p.EncryptionPublicKey)
                || (p.Relation == ProfileRelation.HospitalStaff && (card.Card.Role != Role.HospitalStaff || card.Card.OrganizationId != p.HospitalId))
                || (p.Relation == ProfileRelation.BookedDoctor && card.Card.Role != Role.Doctor))
            {
                continue;
            }
            result.Add(p with { Role = card.Card.Role });
        }
        return result;
    }

    /// <summary>A patient's profile as wrapped for the caller, checked and opened; null when none is wrapped for the caller.</summary>
    public async Task<OpenedProfile?> PatientProfileAsync(Guid patientId, CancellationToken ct = default) =>
        await SharedProfileAsync(patientId, ct) is { } shared ? await OpenAsync(shared, patientId, ct) : null;

    /// <summary>Every profile wrapped for the caller, checked and opened, by patient id (professional screens label patients with these).</summary>
    public async Task<IReadOnlyDictionary<Guid, OpenedProfile>> SharedProfilesAsync(CancellationToken ct = default)
    {
        var shared = await SendAsync<IReadOnlyList<SharedProfile>>(HttpMethod.Get, "/api/profiles", null, authorize: true, ct);
        var result = new Dictionary<Guid, OpenedProfile>();
        foreach (var s in shared)
        {
            result[s.PatientId] = await OpenAsync(s, s.PatientId, ct);
        }
        return result;
    }

    private async Task<SharedProfile?> SharedProfileAsync(Guid patientId, CancellationToken ct)
    {
        try
        {
            return await SendAsync<SharedProfile>(HttpMethod.Get, $"/api/profiles/{patientId}", null, authorize: true, ct);
        }
        catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<OpenedProfile> OpenAsync(SharedProfile shared, Guid patientId, CancellationToken ct)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var patientKeys = await GetVerifiedPublicKeysAsync(patientId, ct);
        var sealedProfile = new SealedProfile(shared.PatientId.ToString(), shared.Version, shared.Nonce, shared.Ciphertext, shared.Signature);
        // Signature and patient id first: a relabelled or forged profile is named as such, before any key is unwrapped.
        if (sealedProfile.PatientId != patientId.ToString()
            || !Signatures.Verify(patientKeys.SigningPublicKey, PatientProfiles.SignedBytes(sealedProfile.PatientId, sealedProfile.Version, sealedProfile.Nonce, sealedProfile.Ciphertext), sealedProfile.Signature))
        {
            throw new MedLedgerVerificationException($"The profile served for patient {patientId} is not signed by that patient's registered key for that patient.");
        }
        try
        {
            var key = PatientProfiles.UnwrapKey(ToSealedSecret(shared.Wrap), keys.Encryption, patientId.ToString(), shared.Version);
            return new OpenedProfile(patientId, shared.Version, PatientProfiles.Open(sealedProfile, key, patientId.ToString(), patientKeys.SigningPublicKey));
        }
        catch (Exception e) when (e is CryptoIntegrityException or CryptoFormatException)
        {
            throw new MedLedgerVerificationException($"The profile served for patient {patientId} does not check out: {e.Message}");
        }
    }

    /// <summary>The signed-in patient's profile key of this version sealed for one reader.</summary>
    private ProfileWrapDto Wrap(Guid readerId, byte[] encryptionPublicKey, long version, byte[] key)
    {
        var s = PatientProfiles.WrapKey(encryptionPublicKey, UserId.ToString(), version, key);
        return new ProfileWrapDto(readerId, s.RecipientKeyId, s.Enc, s.Ciphertext);
    }

    private static SealedSecret ToSealedSecret(ProfileWrapDto w) => new(w.RecipientKeyId, w.Enc, w.WrappedKey);
}
