using System.Net.Http.Headers;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Messages;

/// <summary>A patient registered with a hospital, a doctor assigned to them, and an unrelated doctor of the same hospital.</summary>
internal sealed record MessageScene(SdkUser Staff, SdkUser Patient, SdkUser Doctor, SdkUser OtherDoctor)
{
    public static async Task<MessageScene> CreateAsync(SdkWorld world, SdkUser admin, string hospital)
    {
        var (staff, doctors) = await world.HospitalAsync(admin, hospital, 2);
        var patient = await world.RegisterAsync(MedLedger.Client.Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        return new MessageScene(staff, patient, doctors[0], doctors[1]);
    }

    /// <summary>A tiny valid PNG (1×1, red), made in code.</summary>
    public static byte[] Png { get; } = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");

    public static async Task<HttpClient> RawAsync(TestHost host, SdkUser user)
    {
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await user.Client.GetAccessTokenAsync());
        return http;
    }
}
