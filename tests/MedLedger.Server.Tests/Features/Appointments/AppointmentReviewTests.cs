using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MedLedger.Client;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Appointments;

/// <summary>
/// Issue 18 item 5: a fulfilled appointment at a hospital lets the patient review it (the Hospitals feature's review rule
/// asks the Appointments feature); a booked or cancelled one does not; one review per patient and hospital, edited in place.
/// </summary>
public sealed class AppointmentReviewTests : RecordTestBase
{
    private async Task<HttpResponseMessage> PutReviewAsync(SdkUser patient, Guid hospitalId, int rating, string comment)
    {
        using var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", patient.Client.Tokens!.AccessToken);
        return await http.PutAsJsonAsync($"/api/hospitals/{hospitalId}/reviews/mine", new ReviewUpsert(rating, comment));
    }

    [Fact]
    public async Task A_fulfilled_appointment_allows_one_editable_review_and_booked_or_cancelled_ones_do_not()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Review Clinic");
        var hospitalId = staff.OrganizationId!.Value;
        var hours = Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(8, 0), new TimeOnly(18, 0))).ToArray();
        await staff.Client.SetScheduleAsync(doctors[0].Id, "Europe/Berlin", 15, VisitKind.InPerson, hours);
        var from = new DateTimeOffset(Host.Clock.GetUtcNow().UtcDateTime.Date.AddDays(2), TimeSpan.Zero);
        var visited = await World.RegisterAsync(Role.Patient);
        var cancelled = await World.RegisterAsync(Role.Patient);
        var booked = await visited.Client.BookAppointmentAsync((await visited.Client.FreeSlotsAsync(doctors[0].Id, from, from.AddDays(1)))[0], "checkup");
        var dropped = await cancelled.Client.BookAppointmentAsync((await cancelled.Client.FreeSlotsAsync(doctors[0].Id, from, from.AddDays(1)))[0], "second opinion");

        // Booked only, and booked then cancelled: refused.
        using (var early = await PutReviewAsync(visited, hospitalId, 5, "not seen yet"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, early.StatusCode);
            Assert.Contains("fulfilled appointment", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await cancelled.Client.CancelAppointmentAsync(dropped.Id, asPatient: true);
        using (var afterCancel = await PutReviewAsync(cancelled, hospitalId, 1, "never went"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, afterCancel.StatusCode);
        }

        // Fulfilled: the first review is created, the second edits it (same id, new rating), one per patient and hospital.
        foreach (var step in new[] { AppointmentStatus.Arrived, AppointmentStatus.InProgress })
        {
            await staff.Client.SetAppointmentStatusAsync(booked.Id, step);
            using var during = await PutReviewAsync(visited, hospitalId, 4, "still in the waiting room");
            Assert.Equal(HttpStatusCode.Forbidden, during.StatusCode);
        }
        await staff.Client.SetAppointmentStatusAsync(booked.Id, AppointmentStatus.Fulfilled);
        using var first = await PutReviewAsync(visited, hospitalId, 3, "long wait");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = (await first.Content.ReadFromJsonAsync<ReviewResponse>())!;
        using var second = await PutReviewAsync(visited, hospitalId, 5, "the doctor took time to explain");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var edited = (await second.Content.ReadFromJsonAsync<ReviewResponse>())!;
        Assert.Equal(created.Id, edited.Id);
        Assert.Equal(5, edited.Rating);
        using (var stillRefused = await PutReviewAsync(cancelled, hospitalId, 1, "never went"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, stillRefused.StatusCode);
        }
    }
}
