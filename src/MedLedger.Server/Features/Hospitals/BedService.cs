using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>
/// Bed counts, bookings and their state machine (held → admitted | released | expired | cancelled).
/// Capacity is decided by one conditional UPDATE per ward (<c>WHERE occupied + held &lt; total</c>), so
/// concurrent bookings can never oversell, on SQLite or PostgreSQL. Every transition is then recorded on
/// the ledger by ids only and pushed to watchers.
/// </summary>
public sealed class BedService(
    MedLedgerDbContext db,
    LedgerGateway ledger,
    IHubContext<BedsHub> hub,
    IOptions<HospitalOptions> options,
    TimeProvider clock,
    ILogger<BedService> logger,
    HospitalVisibility visibility,
    OrganizationDirectory organizations)
{
    private HospitalOptions Options => options.Value;

    // ---- hospitals -------------------------------------------------------------------------

    /// <summary>Normalizes a bed type to its catalogue key, or records a 422 field error.</summary>
    internal string NormalizeBedType(string? bedType, Validator v)
    {
        var key = bedType?.Trim().ToLowerInvariant() ?? "";
        var known = Options.BedTypes();
        v.Require(known.Contains(key), "bedType", $"bedType must be one of: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
        return key;
    }

    // ---- counts ------------------------------------------------------------------------------

    public async Task<BedSnapshot> SnapshotAsync(Guid hospitalId, Guid? callerOrg, Role? callerRole, CancellationToken ct)
    {
        await visibility.RequireVisibleAsync(hospitalId, callerOrg, callerRole, ct);
        return await SnapshotAsync(hospitalId, ct);
    }

    private async Task<BedSnapshot> SnapshotAsync(Guid hospitalId, CancellationToken ct)
    {
        var wards = await db.Set<BedWard>().AsNoTracking().Where(w => w.OrganizationId == hospitalId)
            .OrderBy(w => w.BedType).ThenBy(w => w.Name).ToListAsync(ct);
        var counts = wards.Select(w => new WardCounts(w.Id, w.Name, w.BedType, w.Total, w.Occupied, w.Held, w.Total - w.Occupied - w.Held)).ToList();
        return new BedSnapshot(hospitalId, counts, ByType(wards), clock.GetUtcNow());
    }

    internal static List<BedTypeCounts> ByType(IEnumerable<BedWard> wards) =>
        wards.GroupBy(w => w.BedType, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                int total = g.Sum(w => w.Total), occupied = g.Sum(w => w.Occupied), held = g.Sum(w => w.Held);
                return new BedTypeCounts(g.Key, total, occupied, held, total - occupied - held);
            }).ToList();

    /// <summary>Creates or updates a ward. Held beds belong to bookings, so staff set total and occupied only.</summary>
    public async Task<BedSnapshot> SetWardAsync(Guid hospitalId, Guid? callerOrg, string ward, WardUpdate u, CancellationToken ct)
    {
        HospitalVisibility.RequireOwnHospital(hospitalId, callerOrg);
        var v = new Validator();
        v.RequireText(ward, "ward", HospitalLimits.WardName);
        var type = NormalizeBedType(u.BedType, v);
        v.Require(u.Total is >= 0 and <= HospitalLimits.MaxBeds, "total", $"total must be between 0 and {HospitalLimits.MaxBeds}.");
        v.Require(u.Occupied >= 0, "occupied", "occupied must not be negative.");
        v.Require(u.Occupied <= u.Total, "occupied", "occupied must not exceed total.");
        v.ThrowIfInvalid();
        await visibility.RequireVisibleAsync(hospitalId, callerOrg, null, ct);
        var name = ward.Trim();
        var now = clock.GetUtcNow();
        var existing = await db.Set<BedWard>().AsNoTracking().FirstOrDefaultAsync(w => w.OrganizationId == hospitalId && w.Name == name, ct);
        if (existing is null)
        {
            db.Add(new BedWard { Id = Guid.NewGuid(), OrganizationId = hospitalId, Name = name, BedType = type, Total = u.Total, Occupied = u.Occupied, UpdatedAt = now });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                throw ProblemException.Conflict($"Ward '{name}' was created by someone else at the same time; reload and retry.");
            }
        }
        else
        {
            // Conditional on the live held count: a booking racing this update either lands first
            // (and this update is refused if it no longer fits) or sees the new totals.
            var changed = await db.Set<BedWard>()
                .Where(w => w.Id == existing.Id && w.Held + u.Occupied <= u.Total && (w.BedType == type || w.Held == 0))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(w => w.Total, u.Total)
                    .SetProperty(w => w.Occupied, u.Occupied)
                    .SetProperty(w => w.BedType, type)
                    .SetProperty(w => w.UpdatedAt, now), ct);
            if (changed == 0)
            {
                var current = await db.Set<BedWard>().AsNoTracking().FirstAsync(w => w.Id == existing.Id, ct);
                throw current.BedType != type && current.Held > 0
                    ? ProblemException.Conflict($"Ward '{name}' has {current.Held} held bed(s); its bed type can change once they are admitted or released.")
                    : ProblemException.Conflict($"Ward '{name}' has {current.Held} held bed(s): total {u.Total} cannot cover {u.Occupied} occupied plus the held beds.");
            }
        }
        await PublishAsync(hospitalId);
        return await SnapshotAsync(hospitalId, ct);
    }

    // ---- bookings ----------------------------------------------------------------------------

    public async Task<BookingResponse> BookAsync(Guid hospitalId, Guid patientId, BookingRequest r, CancellationToken ct)
    {
        var v = new Validator();
        var type = NormalizeBedType(r.BedType, v);
        v.Require(r.BedTypeSalt is { Length: FactCommitment.SaltLength }, "bedTypeSalt", $"bedTypeSalt must be {FactCommitment.SaltLength} random bytes made by the client.");
        v.ThrowIfInvalid();
        await visibility.RequireVisibleAsync(hospitalId, null, Role.Patient, ct);
        await visibility.RequireNotSuspendedAsync(hospitalId, ct);
        // Holds that ran out but were not swept yet would otherwise refuse a bed that is free.
        await ExpireDueAsync(hospitalId, ct);

        var wardIds = await db.Set<BedWard>().AsNoTracking()
            .Where(w => w.OrganizationId == hospitalId && w.BedType == type)
            .OrderByDescending(w => w.Total - w.Occupied - w.Held).ThenBy(w => w.Id)
            .Select(w => w.Id).ToListAsync(ct);
        if (wardIds.Count == 0)
        {
            throw new ProblemException(409, "no-free-bed", "No free bed", $"This hospital has no {type} beds.");
        }
        if (await db.Set<BedBooking>().AnyAsync(b => b.PatientId == patientId && b.HospitalId == hospitalId && b.Status == BookingStatus.Held, ct))
        {
            throw AlreadyHolding();
        }
        var now = clock.GetUtcNow();
        var booking = new BedBooking
        {
            Id = Guid.NewGuid(),
            PatientId = patientId,
            HospitalId = hospitalId,
            BedType = type,
            BedTypeSalt = r.BedTypeSalt,
            Status = BookingStatus.Held,
            CreatedAt = now,
            ExpiresAt = now + Options.HoldDuration,
        };
        var held = false;
        foreach (var wardId in wardIds)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var taken = await db.Set<BedWard>()
                .Where(w => w.Id == wardId && w.Occupied + w.Held < w.Total)
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.Held, w => w.Held + 1).SetProperty(w => w.UpdatedAt, now), ct);
            if (taken == 0)
            {
                await tx.RollbackAsync(ct);
                continue;
            }
            booking.WardId = wardId;
            db.Add(booking);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // The one-hold-per-patient index refused a concurrent second hold; rolling back returns the bed
                // (first: PostgreSQL refuses further statements in a failed transaction).
                await tx.RollbackAsync(CancellationToken.None);
                db.Entry(booking).State = EntityState.Detached;
                if (await db.Set<BedBooking>().AnyAsync(b => b.PatientId == patientId && b.HospitalId == hospitalId && b.Status == BookingStatus.Held, CancellationToken.None))
                {
                    throw AlreadyHolding();
                }
                throw;
            }
            await tx.CommitAsync(ct);
            held = true;
            break;
        }
        if (!held)
        {
            throw new ProblemException(409, "no-free-bed", "No free bed",
                $"No {type} bed is free at this hospital right now.");
        }

        // From here on the hold exists: finish even if the caller goes away, so store and ledger agree.
        global::MedLedger.Ledger.LedgerReceipt receipt;
        try
        {
            receipt = await ledger.SubmitSystemEventAsync(BedBookContract.TypeName, new Dictionary<string, string>
            {
                ["bookingId"] = booking.Id.ToString(),
                ["hospitalId"] = hospitalId.ToString(),
                ["patientId"] = patientId.ToString(),
                // The bed type (maternity, isolation, …) is a medical fact: the ledger gets a salted commitment only.
                ["bedTypeCommitment"] = FactCommitment.Compute(FactCommitment.BedType, type, r.BedTypeSalt),
            }, CancellationToken.None);
        }
        catch
        {
            // A hold the ledger does not know about must not keep the bed.
            await ReturnBedAsync(booking, BookingStatus.Failed, null, clock.GetUtcNow(), admit: false);
            await PublishAsync(hospitalId);
            throw;
        }
        await db.Set<BedBooking>().Where(b => b.Id == booking.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.BookTransactionId, receipt.TransactionId), CancellationToken.None);
        booking.BookTransactionId = receipt.TransactionId;
        await PublishAsync(hospitalId);
        return ToResponse(booking);
    }

    private static ProblemException AlreadyHolding() =>
        new(409, "already-holding", "Bed already held",
            "You already hold a bed at this hospital; cancel it or wait for staff to admit or release you before booking another.");

    public Task<BookingResponse> CancelAsync(Guid bookingId, Guid patientId, CancellationToken ct) =>
        CloseAsync(bookingId, b => b.PatientId == patientId, BookingStatus.Cancelled, patientId, ct);

    public Task<BookingResponse> AdmitAsync(Guid bookingId, Guid staffId, Guid? staffOrg, CancellationToken ct) =>
        CloseAsync(bookingId, b => b.HospitalId == staffOrg, BookingStatus.Admitted, staffId, ct);

    public Task<BookingResponse> ReleaseAsync(Guid bookingId, Guid staffId, Guid? staffOrg, CancellationToken ct) =>
        CloseAsync(bookingId, b => b.HospitalId == staffOrg, BookingStatus.Released, staffId, ct);

    private async Task<BookingResponse> CloseAsync(Guid bookingId, Func<BedBooking, bool> mayAct, BookingStatus target, Guid actor, CancellationToken ct)
    {
        var b = await db.Set<BedBooking>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == bookingId, ct);
        if (b is null || !mayAct(b))
        {
            // Someone else's booking is "not found", never "forbidden": no oracle for other patients' bookings.
            throw ProblemException.NotFound($"Booking {bookingId}");
        }
        if (b.Status == BookingStatus.Held && !await EnsureBookLinkedAsync(b, ct))
        {
            // Staff see a hold as soon as it takes the bed, before its beds.book commits. Closing it then would leave a
            // closed row for a booking the ledger may never hold (a crash, a refusal), which nothing could record later.
            throw new ProblemException(409, "booking-not-recorded", "Booking not recorded yet",
                "The booking is still being recorded on the ledger; try again in a moment.");
        }
        var now = clock.GetUtcNow();
        if (b.Status == BookingStatus.Held && b.ExpiresAt <= now)
        {
            await CloseAndRecordAsync(b, BookingStatus.Expired, null);
            throw new ProblemException(409, "hold-expired", "Hold expired", $"The hold expired at {b.ExpiresAt:O}; the bed was returned.");
        }
        if (b.Status != BookingStatus.Held)
        {
            throw new ProblemException(409, "booking-closed", "Booking already closed", $"The booking is {b.Status.ToString().ToLowerInvariant()}, not held.");
        }
        var closed = await CloseAndRecordAsync(b, target, actor)
            ?? throw new ProblemException(409, "booking-closed", "Booking already closed", "The booking changed at the same time (admitted, released, cancelled or expired); reload it.");
        return closed;
    }

    /// <summary>
    /// Moves a held booking to <paramref name="target"/> and returns its bed (or turns it into an
    /// occupied bed on admission) in one transaction, then records it on the ledger. Null when the
    /// booking was no longer held (another transition won).
    /// </summary>
    private async Task<BookingResponse?> CloseAndRecordAsync(BedBooking b, BookingStatus target, Guid? actor)
    {
        var now = clock.GetUtcNow();
        if (!await ReturnBedAsync(b, target, actor, now, admit: target == BookingStatus.Admitted))
        {
            return null;
        }
        var closeTransactionId = await RecordCloseAsync(b, target, actor);
        await PublishAsync(b.HospitalId);
        return ToResponse(new BedBooking
        {
            Id = b.Id, PatientId = b.PatientId, HospitalId = b.HospitalId, WardId = b.WardId, BedType = b.BedType, BedTypeSalt = b.BedTypeSalt, Status = target,
            CreatedAt = b.CreatedAt, ExpiresAt = b.ExpiresAt, ClosedAt = now, ClosedBy = actor,
            BookTransactionId = b.BookTransactionId, CloseTransactionId = closeTransactionId,
        });
    }

    /// <summary>
    /// True when the hold's beds.book is committed, linking the row to it if the link was not written yet; false while
    /// it is in flight or if it never committed (start-up repair fails such a hold).
    /// </summary>
    private async Task<bool> EnsureBookLinkedAsync(BedBooking b, CancellationToken ct)
    {
        if (b.BookTransactionId is not null)
        {
            return true;
        }
        var book = await CommittedEventAsync(b.Id, BedBookContract.TypeName, ct);
        if (book is null)
        {
            return false;
        }
        await db.Set<BedBooking>().Where(x => x.Id == b.Id && x.BookTransactionId == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.BookTransactionId, book), CancellationToken.None);
        b.BookTransactionId = book;
        return true;
    }

    private async Task<string?> CommittedEventAsync(Guid bookingId, string type, CancellationToken ct)
    {
        var events = await ledger.Peer.Store.GetTransactionsBySubjectAsync(bookingId.ToString(), long.MaxValue, 16, ct);
        return events.FirstOrDefault(e => e.Valid && e.Transaction.Type == type && e.Transaction.Get("bookingId") == bookingId.ToString())?.Id;
    }

    internal static string CloseType(BookingStatus target) => target switch
    {
        BookingStatus.Admitted => BedAdmitContract.TypeName,
        BookingStatus.Released => BedReleaseContract.TypeName,
        BookingStatus.Cancelled => BedCancelContract.TypeName,
        BookingStatus.Expired => BedExpireContract.TypeName,
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    /// <summary>Records a transition the rows already made on the ledger and links the row to it.</summary>
    private async Task<string> RecordCloseAsync(BedBooking b, BookingStatus target, Guid? actor)
    {
        var payload = new Dictionary<string, string> { ["bookingId"] = b.Id.ToString(), ["hospitalId"] = b.HospitalId.ToString() };
        if (actor is { } a)
        {
            payload["actorUserId"] = a.ToString();
        }
        var receipt = await ledger.SubmitSystemEventAsync(CloseType(target), payload, CancellationToken.None);
        await db.Set<BedBooking>().Where(x => x.Id == b.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.CloseTransactionId, receipt.TransactionId), CancellationToken.None);
        return receipt.TransactionId;
    }

    /// <summary>
    /// Start-up repair for a crash between a booking's rows (which come first: they decide capacity) and its ledger
    /// event: a row whose event committed gets its link; a hold whose beds.book never committed returns its bed
    /// (Failed, as when the ledger refuses it); a transition the rows made but the ledger never saw is recorded now.
    /// Returns how many bookings it repaired.
    /// </summary>
    public async Task<int> RepairLedgerLinksAsync(CancellationToken ct)
    {
        var unlinked = await db.Set<BedBooking>().AsNoTracking()
            .Where(b => (b.BookTransactionId == null && b.Status != BookingStatus.Failed)
                || (b.CloseTransactionId == null && b.Status != BookingStatus.Held && b.Status != BookingStatus.Failed))
            .Take(10_000).ToListAsync(ct);
        var repaired = 0;
        foreach (var b in unlinked)
        {
            if (b.BookTransactionId is null)
            {
                var book = await CommittedEventAsync(b.Id, BedBookContract.TypeName, ct);
                if (book is null)
                {
                    if (b.Status == BookingStatus.Held)
                    {
                        await ReturnBedAsync(b, BookingStatus.Failed, null, clock.GetUtcNow(), admit: false);
                        await PublishAsync(b.HospitalId);
                        repaired++;
                    }
                    // A closed booking the ledger never saw booked cannot be recorded now (the contract refuses the
                    // close): `ledger verify` reports it.
                    continue;
                }
                await db.Set<BedBooking>().Where(x => x.Id == b.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.BookTransactionId, book), ct);
                repaired++;
            }
            if (b.Status is not (BookingStatus.Held or BookingStatus.Failed) && b.CloseTransactionId is null)
            {
                var close = await CommittedEventAsync(b.Id, CloseType(b.Status), ct);
                if (close is not null)
                {
                    await db.Set<BedBooking>().Where(x => x.Id == b.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.CloseTransactionId, close), ct);
                }
                else
                {
                    try
                    {
                        await RecordCloseAsync(b, b.Status, b.ClosedBy);
                    }
                    catch (ProblemException e)
                    {
                        logger.LogWarning("The ledger refused the missing close event of booking {BookingId}: {Reason}", b.Id, e.Message);
                        continue;
                    }
                }
                repaired++;
            }
        }
        return repaired;
    }

    private async Task<bool> ReturnBedAsync(BedBooking b, BookingStatus target, Guid? actor, DateTimeOffset now, bool admit)
    {
        await using var tx = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var q = db.Set<BedBooking>().Where(x => x.Id == b.Id && x.Status == BookingStatus.Held);
        // Expiry only takes what is due; the other transitions only what is still within its hold. Only a failed hold
        // may close before its beds.book is linked: every other close event needs the booking on the ledger.
        q = target == BookingStatus.Expired ? q.Where(x => x.ExpiresAt <= now && x.BookTransactionId != null)
            : target == BookingStatus.Failed ? q
            : q.Where(x => x.ExpiresAt > now && x.BookTransactionId != null);
        var moved = await q.ExecuteUpdateAsync(s => s
            .SetProperty(x => x.Status, target)
            .SetProperty(x => x.ClosedAt, now)
            .SetProperty(x => x.ClosedBy, actor), CancellationToken.None);
        if (moved == 0)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return false;
        }
        var occupy = admit ? 1 : 0;
        await db.Set<BedWard>().Where(w => w.Id == b.WardId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(w => w.Held, w => w.Held - 1)
                .SetProperty(w => w.Occupied, w => w.Occupied + occupy)
                .SetProperty(w => w.UpdatedAt, now), CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        return true;
    }

    /// <summary>Returns every hold whose time ran out (optionally for one hospital). Called by the sweep and before booking.</summary>
    public async Task<int> ExpireDueAsync(Guid? hospitalId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var q = db.Set<BedBooking>().AsNoTracking().Where(b => b.Status == BookingStatus.Held && b.ExpiresAt <= now);
        if (hospitalId is { } h)
        {
            q = q.Where(b => b.HospitalId == h);
        }
        var due = await q.OrderBy(b => b.ExpiresAt).Take(500).ToListAsync(ct);
        var expired = 0;
        foreach (var b in due)
        {
            // A due hold whose beds.book is still in flight waits for the next sweep; one that never committed is failed at start.
            if (await EnsureBookLinkedAsync(b, ct) && await CloseAndRecordAsync(b, BookingStatus.Expired, null) is not null)
            {
                expired++;
            }
        }
        if (expired > 0)
        {
            logger.LogInformation("Returned {Count} expired bed hold(s)", expired);
        }
        return expired;
    }

    public async Task<IReadOnlyList<BookingResponse>> PatientBookingsAsync(Guid patientId, BookingStatus? status, CancellationToken ct)
    {
        var q = db.Set<BedBooking>().AsNoTracking().Where(b => b.PatientId == patientId);
        if (status is { } s)
        {
            q = q.Where(b => b.Status == s);
        }
        return (await q.OrderByDescending(b => b.CreatedAt).Take(200).ToListAsync(ct)).Select(ToResponse).ToList();
    }

    public async Task<IReadOnlyList<BookingResponse>> HospitalBookingsAsync(Guid hospitalId, Guid? callerOrg, BookingStatus? status, CancellationToken ct)
    {
        HospitalVisibility.RequireOwnHospital(hospitalId, callerOrg);
        var q = db.Set<BedBooking>().AsNoTracking().Where(b => b.HospitalId == hospitalId);
        if (status is { } s)
        {
            q = q.Where(b => b.Status == s);
        }
        return (await q.OrderByDescending(b => b.CreatedAt).Take(500).ToListAsync(ct)).Select(ToResponse).ToList();
    }

    public async Task<BookingResponse> GetBookingAsync(Guid bookingId, Guid callerId, Guid? callerOrg, Role role, CancellationToken ct)
    {
        var b = await db.Set<BedBooking>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == bookingId, ct);
        var visible = b is not null && (role == Role.Patient ? b.PatientId == callerId : role == Role.HospitalStaff && b.HospitalId == callerOrg);
        return visible ? ToResponse(b!) : throw ProblemException.NotFound($"Booking {bookingId}");
    }

    /// <summary>Whether the patient ever booked at the hospital (the review precondition).</summary>
    internal Task<bool> HadBookingAsync(Guid patientId, Guid hospitalId, CancellationToken ct) =>
        db.Set<BedBooking>().AnyAsync(b => b.PatientId == patientId && b.HospitalId == hospitalId && b.Status != BookingStatus.Failed, ct);

    // ---- admin overview ----------------------------------------------------------------------

    public async Task<AdminBedOverview> OverviewAsync(int? days, CancellationToken ct)
    {
        var window = days ?? 14;
        if (window is < 1 or > 366)
        {
            throw ProblemException.Invalid("days", "days must be between 1 and 366.");
        }
        var wards = await db.Set<BedWard>().AsNoTracking().ToListAsync(ct);
        var hospitals = await OccupancyAsync(wards, ct);

        var now = clock.GetUtcNow();
        var firstDay = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-(window - 1));
        var since = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var created = await db.Set<BedBooking>().AsNoTracking().Where(b => b.CreatedAt >= since && b.Status != BookingStatus.Failed)
            .Select(b => b.CreatedAt).ToListAsync(ct);
        var perDay = created.GroupBy(c => DateOnly.FromDateTime(c.UtcDateTime)).ToDictionary(g => g.Key, g => g.Count());
        var series = Enumerable.Range(0, window).Select(i => firstDay.AddDays(i)).Select(d => new BookingsPerDay(d, perDay.GetValueOrDefault(d))).ToList();
        return new AdminBedOverview(hospitals, ByType(wards), series, now);
    }

    /// <summary>Every hospital's beds by type, by hospital name (the admin's dashboard).</summary>
    public async Task<IReadOnlyList<HospitalOccupancy>> OccupancyAsync(CancellationToken ct) =>
        await OccupancyAsync(await db.Set<BedWard>().AsNoTracking().ToListAsync(ct), ct);

    private async Task<List<HospitalOccupancy>> OccupancyAsync(List<BedWard> wards, CancellationToken ct)
    {
        var names = await organizations.NamesAsync(wards.Select(w => w.OrganizationId).Distinct().ToList(), ct);
        return wards.GroupBy(w => w.OrganizationId)
            .Select(g => new HospitalOccupancy(g.Key, names.GetValueOrDefault(g.Key, ""), ByType(g)))
            .OrderBy(h => h.Name, StringComparer.Ordinal).ThenBy(h => h.HospitalId).ToList();
    }

    // ---- live push ---------------------------------------------------------------------------

    /// <summary>Pushes the hospital's whole snapshot to its watchers and its occupancy row to admin overview watchers.</summary>
    private async Task PublishAsync(Guid hospitalId)
    {
        var snapshot = await SnapshotAsync(hospitalId, CancellationToken.None);
        var name = await organizations.NameOfAsync(hospitalId, CancellationToken.None);
        await hub.Clients.Group(BedsHub.HospitalGroup(hospitalId)).SendAsync(BedsHub.BedsEvent, snapshot);
        await hub.Clients.Group(BedsHub.OverviewGroup).SendAsync(BedsHub.OccupancyEvent, new HospitalOccupancy(hospitalId, name, snapshot.ByType));
    }

    internal static BookingResponse ToResponse(BedBooking b) =>
        new(b.Id, b.HospitalId, b.PatientId, b.WardId, b.BedType, b.BedTypeSalt, b.Status, b.CreatedAt, b.ExpiresAt, b.ClosedAt, b.BookTransactionId, b.CloseTransactionId);
}
