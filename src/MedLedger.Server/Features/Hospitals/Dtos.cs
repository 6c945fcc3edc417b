namespace MedLedger.Server.Features.Hospitals;

public sealed record HospitalProfileUpdate(IReadOnlyList<string> Departments, IReadOnlyList<string> Services, string? VisitingRules);

public sealed record HospitalDoctor(Guid UserId, string? LicenseNumber);

public sealed record RatingSummary(double? Average, int Count);

public sealed record HospitalProfileResponse(
    Guid Id, string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail,
    IReadOnlyList<string> Departments, IReadOnlyList<string> Services, string? VisitingRules,
    IReadOnlyList<HospitalDoctor> Doctors, RatingSummary Rating, BedSnapshot Beds, string RegistrationNumber);

public sealed record WardUpdate(string BedType, int Total, int Occupied);

public sealed record WardCounts(Guid WardId, string Ward, string BedType, int Total, int Occupied, int Held, int Free);

public sealed record BedTypeCounts(string BedType, int Total, int Occupied, int Held, int Free);

/// <summary>What a watcher sees for one hospital; pushed whole on every change, so a late or reconnecting client needs nothing else.</summary>
public sealed record BedSnapshot(Guid HospitalId, IReadOnlyList<WardCounts> Wards, IReadOnlyList<BedTypeCounts> ByType, DateTimeOffset AsOf);

/// <summary>BedTypeSalt: 32 random bytes the patient's client made; the ledger gets only the salted commitment to the bed type.</summary>
public sealed record BookingRequest(string BedType, byte[] BedTypeSalt);

public sealed record BookingResponse(
    Guid Id, Guid HospitalId, Guid PatientId, Guid WardId, string BedType, byte[] BedTypeSalt, BookingStatus Status,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? ClosedAt, string? BookTransactionId, string? CloseTransactionId);

public sealed record SearchResultItem(
    Guid HospitalId, string Name, string Address, double Latitude, double Longitude, double DistanceKm,
    IReadOnlyDictionary<string, int> FreeBeds, RatingSummary Rating, string RegistrationNumber);

public sealed record SearchResponse(int Total, int Page, int PageSize, IReadOnlyList<SearchResultItem> Items);

public sealed record ReviewUpsert(int Rating, string? Comment);

public sealed record ReviewResponse(Guid Id, Guid HospitalId, int Rating, string? Comment, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool Mine);

public sealed record ReviewPage(RatingSummary Rating, IReadOnlyList<ReviewResponse> Items);

public sealed record HospitalOccupancy(Guid HospitalId, string Name, IReadOnlyList<BedTypeCounts> ByType);

public sealed record BookingsPerDay(DateOnly Day, int Count);

public sealed record AdminBedOverview(IReadOnlyList<HospitalOccupancy> Hospitals, IReadOnlyList<BedTypeCounts> Totals, IReadOnlyList<BookingsPerDay> BookingsPerDay, DateTimeOffset AsOf);
