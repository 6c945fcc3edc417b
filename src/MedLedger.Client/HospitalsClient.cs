using System.Globalization;

namespace MedLedger.Client;

// Wire shapes of the hospitals API (docs/hospitals.md). Names differ from the server's on purpose
// so code that sees both assemblies (tests) never meets an ambiguous type.

public sealed record HospitalRating(double? Average, int Count);

public sealed record HospitalHit(Guid HospitalId, string Name, string Address, double Latitude, double Longitude, double DistanceKm,
    IReadOnlyDictionary<string, int> FreeBeds, HospitalRating Rating, string RegistrationNumber);

public sealed record HospitalSearchPage(int Total, int Page, int PageSize, IReadOnlyList<HospitalHit> Items);

public sealed record WardBeds(Guid WardId, string Ward, string BedType, int Total, int Occupied, int Held, int Free);

public sealed record BedTypeBeds(string BedType, int Total, int Occupied, int Held, int Free);

public sealed record BedAvailability(Guid HospitalId, IReadOnlyList<WardBeds> Wards, IReadOnlyList<BedTypeBeds> ByType, DateTimeOffset AsOf);

public enum BedBookingStatus { Held, Admitted, Released, Expired, Cancelled, Failed }

/// <summary>A bed booking; <see cref="BedTypeSalt"/> opens the beds.book bedTypeCommitment (<see cref="BedTypeOpens"/>).</summary>
public sealed record BedBooking(Guid Id, Guid HospitalId, Guid PatientId, Guid WardId, string BedType, byte[] BedTypeSalt, BedBookingStatus Status,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? ClosedAt, string? BookTransactionId, string? CloseTransactionId)
{
    /// <summary>Whether the ledger's bedTypeCommitment is a commitment to this booking's bed type.</summary>
    public bool BedTypeOpens(string? bedTypeCommitment) => MedLedger.Crypto.FactCommitment.Opens(bedTypeCommitment, MedLedger.Crypto.FactCommitment.BedType, BedType, BedTypeSalt);
}

/// <summary>What a hospital's page shows of it besides beds and doctors.</summary>
public sealed record HospitalProfileInfo(Guid Id, string Name, IReadOnlyList<string> Departments, IReadOnlyList<string> Services, string? VisitingRules);

public sealed partial class MedLedgerClient
{
    /// <summary>Verified hospitals near a point, nearest first, with distance, free beds by type and rating.</summary>
    public Task<HospitalSearchPage> SearchHospitalsAsync(double latitude, double longitude, double? radiusKm = null, string? service = null,
        string? bedType = null, int page = 1, int pageSize = 20, CancellationToken ct = default)
    {
        var q = string.Create(CultureInfo.InvariantCulture, $"lat={latitude:R}&lon={longitude:R}&page={page}&pageSize={pageSize}");
        if (radiusKm is { } r)
        {
            q += string.Create(CultureInfo.InvariantCulture, $"&radiusKm={r:R}");
        }
        if (!string.IsNullOrWhiteSpace(service))
        {
            q += "&service=" + Uri.EscapeDataString(service);
        }
        if (!string.IsNullOrWhiteSpace(bedType))
        {
            q += "&bedType=" + Uri.EscapeDataString(bedType);
        }
        return SendAsync<HospitalSearchPage>(HttpMethod.Get, "/api/hospitals/search?" + q, null, authorize: true, ct);
    }

    /// <summary>A hospital's public profile: departments, services and visiting rules (directory data, plain JSON).</summary>
    public Task<HospitalProfileInfo> HospitalProfileAsync(Guid hospitalId, CancellationToken ct = default) =>
        SendAsync<HospitalProfileInfo>(HttpMethod.Get, $"/api/hospitals/{hospitalId}", null, authorize: true, ct);

    /// <summary>Staff: replace their hospital's departments, services and visiting rules.</summary>
    public Task<HospitalProfileInfo> UpdateHospitalProfileAsync(Guid hospitalId, IReadOnlyList<string> departments, IReadOnlyList<string> services, string? visitingRules,
        CancellationToken ct = default) =>
        SendAsync<HospitalProfileInfo>(HttpMethod.Put, $"/api/hospitals/{hospitalId}/profile", new { departments, services, visitingRules }, authorize: true, ct);

    public Task<BedAvailability> BedsAsync(Guid hospitalId, CancellationToken ct = default) =>
        SendAsync<BedAvailability>(HttpMethod.Get, $"/api/hospitals/{hospitalId}/beds", null, authorize: true, ct);

    /// <summary>Hospital staff: create or update a ward's counts (held beds belong to bookings and are not set here).</summary>
    public Task<BedAvailability> SetWardAsync(Guid hospitalId, string ward, string bedType, int total, int occupied, CancellationToken ct = default) =>
        SendAsync<BedAvailability>(HttpMethod.Put, $"/api/hospitals/{hospitalId}/beds/{Uri.EscapeDataString(ward)}", new { bedType, total, occupied }, authorize: true, ct);

    /// <summary>
    /// Patient: hold a bed of this type; refused with 409 when none is free. The salt is made here, so the ledger's
    /// commitment to the bed type can be opened only by the patient and the hospital.
    /// </summary>
    public async Task<BedBooking> BookBedAsync(Guid hospitalId, string bedType, CancellationToken ct = default)
    {
        var booking = await SendAsync<BedBooking>(HttpMethod.Post, $"/api/hospitals/{hospitalId}/bookings",
            new { bedType, bedTypeSalt = MedLedger.Crypto.FactCommitment.NewSalt() }, authorize: true, ct);
        // Staff at the hospital holding the bed must be able to tell who is arriving: they get the profile too.
        await ShareProfileAfterNewRelationAsync(ct);
        return booking;
    }

    public Task<IReadOnlyList<BedBooking>> MyBedBookingsAsync(BedBookingStatus? status = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<BedBooking>>(HttpMethod.Get, "/api/bookings/mine" + (status is { } s ? "?status=" + s : ""), null, authorize: true, ct);

    /// <summary>Hospital staff: their hospital's bookings.</summary>
    public Task<IReadOnlyList<BedBooking>> HospitalBedBookingsAsync(Guid hospitalId, BedBookingStatus? status = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<BedBooking>>(HttpMethod.Get, $"/api/hospitals/{hospitalId}/bookings" + (status is { } s ? "?status=" + s : ""), null, authorize: true, ct);

    public Task<BedBooking> CancelBedBookingAsync(Guid bookingId, CancellationToken ct = default) =>
        SendAsync<BedBooking>(HttpMethod.Post, $"/api/bookings/{bookingId}/cancel", null, authorize: true, ct);

    public Task<BedBooking> AdmitBedBookingAsync(Guid bookingId, CancellationToken ct = default) =>
        SendAsync<BedBooking>(HttpMethod.Post, $"/api/bookings/{bookingId}/admit", null, authorize: true, ct);

    public Task<BedBooking> ReleaseBedBookingAsync(Guid bookingId, CancellationToken ct = default) =>
        SendAsync<BedBooking>(HttpMethod.Post, $"/api/bookings/{bookingId}/release", null, authorize: true, ct);
}
